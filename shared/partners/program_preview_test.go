package partners

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/billing/billingtest"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/ledger"
	"partnerkit/shared/program"
)

type previewResult struct {
	Period         string                   `json:"period"`
	CurrentVersion int                      `json:"current_version"`
	Payments       int                      `json:"payments"`
	Limit          int                      `json:"limit"`
	Truncated      bool                     `json:"truncated"`
	Currencies     []program.CurrencyTotals `json:"currencies"`
	Partners       []struct {
		program.PartnerTotals
		Code string `json:"code"`
	} `json:"partners"`
	Approximations []string `json:"approximations"`
}

func previewHandler(st *dynamo.Store, limit int) lambda.Handler {
	c := &clock{t: testNow}
	h := &Handler{Store: st, Money: st, Program: st, Defaults: program.FromEnvironment(2500, 0, 0), PreviewLimit: limit,
		BaseURL: "https://go.example.com", Now: c.now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return lambda.NewHandler(h.Handle)
}

// TestProgramPreview records last month's payments through the billing
// webhook at today's 25%, then asks what a proposal (30%, a bounty on
// first payments in USD, a cap in EUR) would have paid on them: per
// currency and per partner, net of refunds, reading only last month's
// earning payments and writing nothing.
func TestProgramPreview(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		counter := dynamotest.NewCounter(b.Client)
		st := dynamo.New(counter, b.Table)
		h := previewHandler(st, 0)
		jane := enroll(t, h, "jane", "jane@example.com", "jane")
		bob := enroll(t, h, "bob", "bob@example.com", "bob")

		last := ledger.PeriodOf(testNow).Prev()
		day := func(p ledger.Period, d int) time.Time { return p.Start().AddDate(0, 0, d-1).Add(9 * time.Hour) }
		bill := billingtest.New(t, st, testNow, 2500, 0)
		billingtest.Attribute(t, st, "cus_old", jane, last.Start().AddDate(0, -3, 0))
		billingtest.Attribute(t, st, "cus_new", jane, day(last, 2))
		billingtest.Attribute(t, st, "cus_eu", bob, day(last, 1))
		billingtest.Attribute(t, st, "cus_nobody", "", day(last, 1))
		bill.Pay(t, "pay_old", "cus_old", 9900, "USD", day(last, 5))
		bill.Refund(t, "pay_old", "re_old", 4950, day(last, 6))
		bill.Pay(t, "pay_new1", "cus_new", 5000, "USD", day(last, 10))
		bill.Pay(t, "pay_new2", "cus_new", 5000, "USD", day(last, 20))
		bill.Pay(t, "pay_eu", "cus_eu", 2000, "EUR", day(last, 3))
		// Not last month's, or earning nothing: not compared.
		bill.Pay(t, "pay_nobody", "cus_nobody", 9900, "USD", day(last, 7))
		bill.Pay(t, "pay_before", "cus_old", 9900, "USD", day(last.Prev(), 5))
		bill.Pay(t, "pay_now", "cus_old", 9900, "USD", testNow.Add(-time.Hour))

		proposal := `{"default":{"bps":3000,"duration":{"kind":"every_payment"}},"bounty":{"USD":1000},"cap":{"EUR":300}}`
		counter.Take()
		var got previewResult
		if r := call(t, h, request{route: "POST /program/preview", sub: "ops", admin: true, body: proposal}, &got); r.StatusCode != 200 {
			t.Fatalf("preview: %d %s", r.StatusCode, r.Body)
		}
		if calls, _ := counter.Writes(); calls != 0 {
			t.Errorf("the preview wrote %d times", calls)
		}
		if got.Period != last.String() || got.CurrentVersion != 1 || got.Payments != 4 || got.Truncated || got.Limit != PreviewLimit {
			t.Errorf("preview = %+v", got)
		}
		// pay_old: 2475 less 1238 reversed by the half refund, against 2970
		// less 1485; pay_new1, the customer's first: 1250 against 1500 + a
		// 1000 bounty; pay_new2: 1250 against 1500; pay_eu: 500 against
		// 600 capped at 300.
		want := []program.CurrencyTotals{
			{Currency: "EUR", Totals: program.Totals{Payments: 1, Amount: 2000, Recorded: 500, Proposed: 300, Difference: -200}},
			{Currency: "USD", Totals: program.Totals{Payments: 3, Amount: 19900, Recorded: 3737, Proposed: 5485, Difference: 1748}},
		}
		if !slices.Equal(got.Currencies, want) {
			t.Errorf("currencies = %+v, want %+v", got.Currencies, want)
		}
		if len(got.Partners) != 2 || got.Partners[0].Code != "jane" || got.Partners[0].Difference != 1748 ||
			got.Partners[1].Code != "bob" || got.Partners[1].Currency != "EUR" || got.Partners[1].Difference != -200 {
			t.Errorf("partners = %+v", got.Partners)
		}
		for _, note := range []string{program.NoteOnlyEarning, program.NoteNumbers, program.NoteCap} {
			if !slices.Contains(got.Approximations, note) {
				t.Errorf("approximations %q lack %q", got.Approximations, note)
			}
		}

		// The same settings as recorded compare equal.
		if r := call(t, h, request{route: "POST /program/preview", sub: "ops", admin: true,
			body: `{"version":1,"default":{"bps":2500,"duration":{"kind":"every_payment"}}}`}, &got); r.StatusCode != 200 {
			t.Fatalf("preview: %d %s", r.StatusCode, r.Body)
		}
		for _, c := range got.Currencies {
			if c.Difference != 0 {
				t.Errorf("today's settings differ from what they recorded: %+v", c)
			}
		}

		// Another month, by name; an empty one answers empty lists.
		if r := call(t, h, request{route: "POST /program/preview", sub: "ops", admin: true, body: proposal,
			query: map[string]string{"period": last.Prev().Prev().String()}}, &got); r.StatusCode != 200 || got.Payments != 0 ||
			got.Currencies == nil || got.Partners == nil || !strings.Contains(r.Body, `"currencies":[]`) {
			t.Errorf("an empty month: %d %s", r.StatusCode, r.Body)
		}

		// At most PreviewLimit payments are read; the answer says so.
		if r := call(t, previewHandler(st, 2), request{route: "POST /program/preview", sub: "ops", admin: true, body: proposal}, &got); r.StatusCode != 200 ||
			!got.Truncated || got.Payments != 2 || got.Limit != 2 || !strings.Contains(strings.Join(got.Approximations, " "), "first 2 payments") {
			t.Errorf("truncated: %d %s", r.StatusCode, r.Body)
		}
	})
}

func TestProgramPreviewRefusals(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		counter := dynamotest.NewCounter(b.Client)
		h := previewHandler(dynamo.New(counter, b.Table), 0)
		valid := `{"default":{"bps":3000,"duration":{"kind":"every_payment"}}}`
		next := ledger.PeriodOf(testNow).Next().String()
		tests := []struct {
			name, body string
			admin      bool
			query      map[string]string
			status     int
			field      string
		}{
			{"not an admin", valid, false, nil, 403, "forbidden"},
			{"rate over 100%", strings.Replace(valid, "3000", "10001", 1), true, nil, 400, "default.bps"},
			{"a plan's count missing", `{"default":{"bps":1,"duration":{"kind":"every_payment"}},"plans":{"pro":{"bps":1,"duration":{"kind":"months"}}}}`, true, nil, 400, "plans.pro.duration.count"},
			{"unknown field", `{"default":{"bps":1,"duration":{"kind":"every_payment"}},"rate":5}`, true, nil, 400, "rate"},
			{"malformed period", valid, true, map[string]string{"period": "2026-13"}, 400, "period"},
			{"a month to come", valid, true, map[string]string{"period": next}, 400, "period"},
			{"not JSON", `{"default":`, true, nil, 400, "invalid_request"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				counter.Take()
				r := call(t, h, request{route: "POST /program/preview", sub: "ops", admin: tt.admin, body: tt.body, query: tt.query}, nil)
				if r.StatusCode != tt.status || !strings.Contains(r.Body, tt.field) {
					t.Errorf("%d %s, want %d naming %q", r.StatusCode, r.Body, tt.status, tt.field)
				}
				if ops := counter.Take(); len(ops) != 0 {
					t.Errorf("a refused preview called the store: %v", ops)
				}
			})
		}
	})
}

// TestProgramPreviewReadsBounded: a dry run reads the month's earning
// payments and their customers, never the program's other months. Read
// units are counted on DynamoDB Local (which reports consumed capacity)
// with 40 payments last month, then again after 400 more payments in the
// months around it.
func TestProgramPreviewReadsBounded(t *testing.T) {
	b := dynamotest.DynamoDBLocal(t)
	st := dynamo.New(b.Client, b.Table)
	jane := enroll(t, previewHandler(st, 0), "jane", "jane@example.com", "jane")
	last := ledger.PeriodOf(testNow).Prev()
	bill := billingtest.New(t, st, testNow, 2500, 0)
	pay := func(n int, prefix string, at func(i int) time.Time) {
		jobs := make(chan int)
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range jobs {
					cus := fmt.Sprintf("cus_%s_%d", prefix, i)
					billingtest.Attribute(t, st, cus, jane, last.Prev().Prev().Start())
					bill.Pay(t, "pay_"+cus, cus, 9900, "USD", at(i))
				}
			}()
		}
		for i := range n {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
	}
	pay(40, "last", func(i int) time.Time { return last.Start().Add(time.Duration(i) * time.Hour) })

	counter := dynamotest.NewCounter(b.Client)
	h := previewHandler(dynamo.New(counter, b.Table), 0)
	measure := func() (int, float64) {
		t.Helper()
		counter.Take()
		var got previewResult
		if r := call(t, h, request{route: "POST /program/preview", sub: "ops", admin: true,
			body: `{"default":{"bps":3000,"duration":{"kind":"every_payment"}}}`}, &got); r.StatusCode != 200 || got.Payments != 40 {
			t.Fatalf("preview: %d %s", r.StatusCode, r.Body)
		}
		return counter.Reads()
	}
	calls, units := measure()
	pay(200, "before", func(i int) time.Time { return last.Prev().Start().Add(time.Duration(i) * time.Hour) })
	pay(200, "now", func(i int) time.Time { return testNow.Add(-time.Duration(i) * time.Minute) })
	calls2, units2 := measure()
	t.Logf("POST /program/preview: %d requests, %.1f read units for 40 payments; %d requests, %.1f read units with 400 more in other months",
		calls, units, calls2, units2)
	if calls2 != calls || units2 != units {
		t.Errorf("reads grew with other months: %d/%.1f, then %d/%.1f", calls, units, calls2, units2)
	}
}
