package partners

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/accrual"
	"partnerkit/shared/billing/billingtest"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/ledger"
	"partnerkit/shared/program"
)

// seedCustomers gives partnerID customers paying customers (one payment
// each, this month) through the billing webhook, several at a time so a
// large history stays quick to build.
func seedCustomers(t *testing.T, st *dynamo.Store, partnerID string, customers int, now time.Time) {
	t.Helper()
	e := billingtest.New(t, st, now, 2500, 0)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				cus := fmt.Sprintf("cus_%s_%d", partnerID, i)
				billingtest.Attribute(t, st, cus, partnerID, now.Add(-72*time.Hour))
				e.Pay(t, "pay_"+cus, cus, 9900, "USD", now.Add(-time.Duration(i)*time.Second))
			}
		}()
	}
	for i := range customers {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
}

// seedStatements gives each partner of statements (seeded with
// seedCustomers) that many closed statements, one a month up to last
// month, the older half paid: a payment of its first customer in each
// month, closed by the monthly run month by month, as a program's history
// is built.
func seedStatements(t *testing.T, st *dynamo.Store, statements map[string]int, now time.Time) {
	t.Helper()
	ctx := context.Background()
	e := billingtest.New(t, st, now, 2500, 0)
	run := &accrual.Runner{Store: st, Settings: &program.Cache{Load: st, Defaults: program.FromEnvironment(2500, 0, 0)}, Now: func() time.Time { return now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	months := 0
	for _, n := range statements {
		months = max(months, n)
	}
	ids := map[string][]string{}
	for k := months; k >= 1; k-- {
		p := ledger.PeriodOf(now)
		for range k {
			p = p.Prev()
		}
		for partnerID, n := range statements {
			if n < k {
				continue
			}
			cus := fmt.Sprintf("cus_%s_0", partnerID)
			e.Pay(t, fmt.Sprintf("pay_%s_%s", cus, p), cus, 9900, "USD", p.Start().Add(time.Hour))
			ids[partnerID] = append(ids[partnerID], ledger.StatementID(p.String(), "USD", partnerID))
		}
		if _, err := run.Run(ctx, p.String()); err != nil {
			t.Fatal(err)
		}
	}
	for _, partnerIDs := range ids {
		for _, id := range partnerIDs[:(len(partnerIDs)+1)/2] {
			if _, err := st.MarkPaid(ctx, id, "wire", now); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestProfileReadsBounded: what GET /partners/{id} reads does not grow
// with the partner's history. Read units are counted on DynamoDB Local
// (which reports consumed capacity) for a partner with one customer and
// one statement and for one with 1,000 paying customers and 36 statements.
func TestProfileReadsBounded(t *testing.T) {
	b := dynamotest.DynamoDBLocal(t)
	st := dynamo.New(b.Client, b.Table)
	h := newHandler(t, b)
	var small, large enrolled
	call(t, h, request{sub: "small", email: "small@example.com", body: `{}`}, &small)
	call(t, h, request{sub: "large", email: "large@example.com", body: `{}`}, &large)
	now := time.Now().UTC()
	seedCustomers(t, st, small.PartnerID, 1, now)
	seedCustomers(t, st, large.PartnerID, 1000, now)
	seedStatements(t, st, map[string]int{small.PartnerID: 1, large.PartnerID: 36}, now)

	counter := dynamotest.NewCounter(b.Client)
	counted := dynamo.New(counter, b.Table)
	ch := lambda.NewHandler((&Handler{Store: counted, Money: counted, BaseURL: "https://go.example.com",
		Now: time.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handle)
	measure := func(sub, id string) (float64, Profile) {
		t.Helper()
		counter.Take()
		var prof Profile
		if r := call(t, ch, request{route: "GET /partners/{id}", id: id, sub: sub}, &prof); r.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", id, r.StatusCode, r.Body)
		}
		_, units := counter.Reads()
		return units, prof
	}
	smallUnits, sp := measure("small", small.PartnerID)
	largeUnits, lp := measure("large", large.PartnerID)
	t.Logf("GET /partners/{id}: %.1f read units at 1 customer and 1 statement, %.1f at 1,000 customers and 36 statements", smallUnits, largeUnits)
	if largeUnits-smallUnits > 3 || largeUnits > 20 {
		t.Errorf("read units %.1f (small) vs %.1f (large): the profile's reads grow with history", smallUnits, largeUnits)
	}
	// The figures stay right while being read cheaply.
	if got := fmt.Sprintf("%d %d %v %v %v", sp.Stats.Customers, sp.Stats.Signups, sp.Stats.Pending, sp.Stats.Payable, sp.Stats.Paid); got != "1 1 map[USD:2475] map[] map[USD:2475]" {
		t.Errorf("small stats = %s", got)
	}
	if got := fmt.Sprintf("%d %d %v %v %v", lp.Stats.Customers, lp.Stats.Signups, lp.Stats.Pending, lp.Stats.Payable, lp.Stats.Paid); got != "1000 1000 map[USD:2475000] map[USD:44550] map[USD:44550]" {
		t.Errorf("large stats = %s", got)
	}
}
