package accrual_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"partnerkit/shared/accrual"
	"partnerkit/shared/billing/billingtest"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/ledger"
	"partnerkit/shared/partner"
	"partnerkit/shared/program"
)

var (
	signedUp = time.Date(2026, 9, 20, 9, 0, 0, 0, time.UTC)
	oct      = time.Date(2026, 10, 3, 9, 0, 0, 0, time.UTC)
	nov2     = time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC)
	dec2     = time.Date(2026, 12, 2, 2, 0, 0, 0, time.UTC)
)

func runner(st *dynamo.Store, now time.Time, minPayout int64) *accrual.Runner {
	return &accrual.Runner{Store: st, Settings: &program.Cache{Load: st, Defaults: program.FromEnvironment(2500, 0, minPayout), TTL: time.Nanosecond}, Now: func() time.Time { return now },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// statements renders a period's statements, sorted, for comparison.
func statements(t testing.TB, st *dynamo.Store, period string) []string {
	t.Helper()
	stmts, err := st.PeriodStatements(context.Background(), period)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, 0, len(stmts))
	for _, s := range stmts {
		out = append(out, fmt.Sprintf("%s %s %s earned=%d reversed=%d carried_in=%d total=%d %s lines=%d",
			s.Period, s.PartnerID, s.Currency, s.Earned, s.Reversed, s.CarriedIn, s.Total(), s.Status, s.Lines))
	}
	sort.Strings(out)
	return out
}

func TestClosePeriods(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		e := billingtest.New(t, st, oct.Add(time.Hour), 2500, 0)
		billingtest.Attribute(t, st, "cus_1", "pt_a", signedUp)
		billingtest.Attribute(t, st, "cus_2", "pt_b", signedUp)
		e.Pay(t, "p1", "cus_1", 9900, "USD", oct)            // +2475
		e.Pay(t, "p2", "cus_1", 1000, "JPY", oct)            // +250
		e.Pay(t, "p3", "cus_2", 400, "USD", oct)             // +100, below MIN_PAYOUT
		e.Refund(t, "p2", "r1", 1000, oct.Add(time.Hour))    // -250: JPY nets 0
		e.Pay(t, "p4", "cus_unattributed", 5000, "USD", oct) // pending, never signs up
		e.Pay(t, "p5", "cus_late_signup", 2000, "USD", oct)  // pending, signs up before close
		billingtest.Attribute(t, st, "cus_late_signup", "pt_b", oct.Add(24*time.Hour))

		if _, err := runner(st, oct.Add(48*time.Hour), 0).Run(ctx, "2026-10"); err == nil {
			t.Error("closing a period that has not ended was accepted")
		}
		if _, err := runner(st, nov2, 0).Run(ctx, "2026-13"); !errors.As(err, new(accrual.ErrRefused)) {
			t.Errorf("period 2026-13: err = %v, want a refusal", err)
		}

		res, err := runner(st, nov2, 1000).Run(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if want := (accrual.Result{Period: "2026-10", Partners: 2, Statements: 3, Lines: 5}); res != want {
			t.Errorf("result = %+v, want %+v", res, want)
		}
		wantOct := []string{
			"2026-10 pt_a JPY earned=250 reversed=250 carried_in=0 total=0 carried_forward lines=2",
			"2026-10 pt_a USD earned=2475 reversed=0 carried_in=0 total=2475 payable lines=1",
			"2026-10 pt_b USD earned=600 reversed=0 carried_in=0 total=600 carried_forward lines=2",
		}
		if got := statements(t, st, "2026-10"); fmt.Sprint(got) != fmt.Sprint(wantOct) {
			t.Errorf("October statements:\n%s\nwant\n%s", join(got), join(wantOct))
		}
		again, err := runner(st, nov2.Add(time.Hour), 1000).Run(ctx, "2026-10")
		if err != nil || again != res {
			t.Errorf("second run = %+v, %v; want %+v", again, err, res)
		}

		// A late payment of October lands in November; B's carried 600
		// joins it and crosses MIN_PAYOUT.
		e.SetNow(nov2.Add(time.Hour))
		e.Pay(t, "p6", "cus_2", 2000, "USD", oct.Add(time.Hour)) // +500, late
		e.Refund(t, "p1", "r2", 4950, nov2)                      // -1238 (1237.5 rounds up)
		e.Pay(t, "p7", "cus_unattributed", 100, "USD", nov2)     // pending again: earns nothing
		res, err = runner(st, dec2, 1000).Run(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if want := (accrual.Result{Period: "2026-11", Partners: 2, Statements: 2, Lines: 2}); res != want {
			t.Errorf("November result = %+v, want %+v", res, want)
		}
		wantNov := []string{
			"2026-11 pt_a USD earned=0 reversed=1238 carried_in=0 total=-1238 carried_forward lines=1",
			"2026-11 pt_b USD earned=500 reversed=0 carried_in=600 total=1100 payable lines=1",
		}
		if got := statements(t, st, "2026-11"); fmt.Sprint(got) != fmt.Sprint(wantNov) {
			t.Errorf("November statements:\n%s\nwant\n%s", join(got), join(wantNov))
		}
	})
}

func join(ss []string) string {
	out := ""
	for _, s := range ss {
		out += "  " + s + "\n"
	}
	return out
}

// TestCloseSweepsOpenPeriods: closing a month takes in every line of
// earlier months never closed, however old, and a later close of one of
// those months finds nothing left.
func TestCloseSweepsOpenPeriods(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		e := billingtest.New(t, st, oct.Add(time.Hour), 2500, 0)
		billingtest.Attribute(t, st, "cus_old", "pt_a", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
		e.Pay(t, "p_jan25", "cus_old", 10000, "USD", time.Date(2025, 1, 10, 0, 0, 0, 0, time.UTC)) // +2500
		e.Pay(t, "p_sep", "cus_old", 20000, "USD", time.Date(2026, 9, 10, 0, 0, 0, 0, time.UTC))   // +5000
		e.Pay(t, "p_oct", "cus_old", 4000, "USD", oct)                                             // +1000
		e.Pay(t, "p_pending", "cus_later", 4000, "USD", time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC))
		billingtest.Attribute(t, st, "cus_later", "pt_a", oct)

		res, err := runner(st, nov2, 0).Run(ctx, "2026-10")
		if want := (accrual.Result{Period: "2026-10", Partners: 1, Statements: 1, Lines: 4}); err != nil || res != want {
			t.Fatalf("closing October = %+v, %v; want %+v", res, err, want)
		}
		want := []string{"2026-10 pt_a USD earned=9500 reversed=0 carried_in=0 total=9500 payable lines=4"}
		if got := statements(t, st, "2026-10"); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("October statements:\n%s\nwant\n%s", join(got), join(want))
		}
		if res, err := runner(st, nov2, 0).Run(ctx, "2026-09"); err != nil || res != (accrual.Result{Period: "2026-09"}) {
			t.Errorf("closing September after October = %+v, %v; want nothing left", res, err)
		}
		if p, err := st.PendingTotals(ctx, "pt_a", nov2); err != nil || len(p) != 0 {
			t.Errorf("pending after the close = %v, %v; want none", p, err)
		}
		// A line dated in a closed month goes to the next open one.
		e.SetNow(nov2)
		e.Pay(t, "p_late", "cus_old", 400, "USD", time.Date(2026, 9, 20, 0, 0, 0, 0, time.UTC)) // +100
		if p, err := st.PendingTotals(ctx, "pt_a", nov2); err != nil || p["USD"] != 100 {
			t.Errorf("pending after a late payment = %v, %v; want USD 100", p, err)
		}
		res, err = runner(st, dec2, 0).Run(ctx, "")
		if err != nil || res.Lines != 1 {
			t.Errorf("closing November = %+v, %v; want the late line", res, err)
		}
		// The swept months' lines are payable with October's statement.
		payableAgrees(t, st, dec2, "2026-10", "2026-11")
	})
}

// seed writes the same random month of payments and refunds for many
// partners into a store, so two stores can be closed differently and
// compared.
func seed(t testing.TB, st *dynamo.Store, partners, payments int) {
	t.Helper()
	e := billingtest.New(t, st, nov2.Add(-time.Hour), 2500, 0)
	r := rand.New(rand.NewPCG(7, 9))
	for i := range partners {
		billingtest.Attribute(t, st, fmt.Sprintf("cus_%d", i), fmt.Sprintf("pt_%03d", i), signedUp)
	}
	currencies := []string{"USD", "EUR", "JPY", "KWD"}
	for i := range payments {
		c := r.IntN(partners)
		amount := 1 + r.Int64N(50000)
		at := oct.Add(time.Duration(r.IntN(27*24)) * time.Hour)
		pid := fmt.Sprintf("pay_%d", i)
		e.Pay(t, pid, fmt.Sprintf("cus_%d", c), amount, currencies[r.IntN(len(currencies))], at)
		switch r.IntN(6) {
		case 0:
			e.Refund(t, pid, pid+"_r1", 1+r.Int64N(amount), at.Add(time.Hour))
		case 1: // refunded in full, in two parts
			first := 1 + r.Int64N(amount)
			e.Refund(t, pid, pid+"_r1", first, at.Add(time.Hour))
			if first < amount {
				e.Refund(t, pid, pid+"_r2", amount-first, at.Add(2*time.Hour))
			}
		}
	}
}

// seedPerPartner gives each of partners partners one customer paying
// perPartner times in October in one currency (the partner's), without
// refunds: exactly perPartner commission lines a partner.
func seedPerPartner(t testing.TB, st *dynamo.Store, partners, perPartner int) {
	t.Helper()
	e := billingtest.New(t, st, nov2.Add(-time.Hour), 2500, 0)
	r := rand.New(rand.NewPCG(3, 5))
	currencies := []string{"USD", "EUR", "JPY", "KWD"}
	for i := range partners {
		cus := fmt.Sprintf("cus_%d", i)
		billingtest.Attribute(t, st, cus, fmt.Sprintf("pt_%03d", i), signedUp)
		currency := currencies[i%len(currencies)]
		for j := range perPartner {
			// At least 4 minor units, so every payment earns a line.
			amount := 4 + r.Int64N(50000)
			at := oct.Add(time.Duration(j*24*27/perPartner)*time.Hour + time.Duration(i)*time.Second)
			e.Pay(t, fmt.Sprintf("pay_%d_%d", i, j), cus, amount, currency, at)
		}
	}
}

// TestInterruptedRunMatchesCleanRun: a run stopped after a few shards and
// resumed produces exactly the statements of an uninterrupted run.
func TestInterruptedRunMatchesCleanRun(t *testing.T) {
	ctx := context.Background()
	clean := dynamotest.DynamoDBLocal(t)
	broken := dynamotest.DynamoDBLocal(t)
	cst, bst := dynamo.New(clean.Client, clean.Table), dynamo.New(broken.Client, broken.Table)
	seed(t, cst, 40, 300)
	seed(t, bst, 40, 300)

	want, err := runner(cst, nov2, 0).Run(ctx, "2026-10")
	if err != nil {
		t.Fatal(err)
	}
	r := runner(bst, nov2, 0)
	r.MaxShards = 5
	if _, err := r.Run(ctx, "2026-10"); !errors.Is(err, accrual.ErrIncomplete) {
		t.Fatalf("bounded run: err = %v, want ErrIncomplete", err)
	}
	if info, _ := bst.PeriodState(ctx, "2026-10"); info.State != ledger.PeriodClosing {
		t.Errorf("after the interruption the period is %q, want closing", info.State)
	}
	got, err := runner(bst, nov2, 0).Run(ctx, "2026-10")
	if err != nil || got != want {
		t.Fatalf("resumed run = %+v, %v; want %+v", got, err, want)
	}
	if g, w := statements(t, bst, "2026-10"), statements(t, cst, "2026-10"); fmt.Sprint(g) != fmt.Sprint(w) {
		t.Errorf("statements differ after an interrupted run:\n%s\nclean:\n%s", join(g), join(w))
	}
	payableAgrees(t, bst, nov2, "2026-10")
}

// TestConcurrentRuns: two runs of one period started together make one
// set of statements and agree on the result.
func TestConcurrentRuns(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		st := dynamo.New(b.Client, b.Table)
		seed(t, st, 20, 60)
		var wg sync.WaitGroup
		results := make([]accrual.Result, 2)
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = runner(st, nov2, 500).Run(context.Background(), "2026-10")
			}()
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil || results[0] != results[1] {
			t.Fatalf("runs = %+v %v / %+v %v; want the same result", results[0], errs[0], results[1], errs[1])
		}
		if got := statements(t, st, "2026-10"); len(got) != results[0].Statements {
			t.Errorf("%d statements stored, result says %d", len(got), results[0].Statements)
		}
	})
}

// TestStatementsEqualLines is the ledger's property over random months:
// every statement's total is the sum of its lines plus what it carried
// in, and a fully refunded payment nets to zero.
func TestStatementsEqualLines(t *testing.T) {
	b := dynamotest.DynamoDBLocal(t)
	st := dynamo.New(b.Client, b.Table)
	ctx := context.Background()
	seed(t, st, 15, 200)
	for _, p := range []string{"2026-10"} {
		if _, err := runner(st, nov2, 700).Run(ctx, p); err != nil {
			t.Fatal(err)
		}
		stmts, err := st.PeriodStatements(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		lines := 0
		for _, s := range stmts {
			ls, err := st.PartnerLines(ctx, s.PartnerID, p)
			if err != nil {
				t.Fatal(err)
			}
			var sum int64
			n := 0
			perPayment := map[string]int64{}
			for _, l := range ls {
				if l.Currency == s.Currency {
					sum += l.Amount
					n++
					perPayment[l.PaymentID] += l.Amount
				}
				if perPayment[l.PaymentID] < 0 {
					t.Errorf("payment %s reverses more than it earned", l.PaymentID)
				}
			}
			lines += n
			if s.Total() != sum+s.CarriedIn || s.Lines != n {
				t.Errorf("statement %s: total %d, lines sum %d + carried %d (%d lines, statement says %d)", s.ID, s.Total(), sum, s.CarriedIn, n, s.Lines)
			}
			if s.Status != (ledger.Totals{Earned: s.Earned, Reversed: s.Reversed, CarriedIn: s.CarriedIn}).Status(700) {
				t.Errorf("statement %s has status %s for total %d", s.ID, s.Status, s.Total())
			}
		}
		if lines == 0 {
			t.Fatal("the random month made no lines")
		}
		full := 0
		for i := range 200 {
			pid := fmt.Sprintf("pay_%d", i)
			lk, err := st.LookupBilling(ctx, "x", pid, "", "")
			if err != nil || lk.Payment == nil {
				t.Fatalf("payment %s: %+v %v", pid, lk.Payment, err)
			}
			if lk.Payment.Refunded != lk.Payment.Amount {
				continue
			}
			full++
			ls, err := st.PartnerLines(ctx, lk.Payment.PartnerID, p)
			if err != nil {
				t.Fatal(err)
			}
			var net int64
			for _, l := range ls {
				if l.PaymentID == pid {
					net += l.Amount
				}
			}
			if net != 0 {
				t.Errorf("payment %s was refunded in full but nets %d", pid, net)
			}
		}
		if full == 0 {
			t.Fatal("the random month refunded no payment in full")
		}
	}
}

// TestOverlappingCloses: a close left unfinished blocks closing another
// period, closing a period swept into it waits for it too, and an earlier
// period than the last close gets nothing: no line is ever in two
// statements.
func TestOverlappingCloses(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		seed(t, st, 10, 40) // October
		e := billingtest.New(t, st, nov2.Add(24*time.Hour), 2500, 0)
		e.Pay(t, "p_nov", "cus_1", 4000, "USD", nov2.Add(time.Hour))

		stats := func() map[string]string {
			out := map[string]string{}
			for id := range 10 {
				pt := fmt.Sprintf("pt_%03d", id)
				ms, err := st.PartnerStats(ctx, pt, dec2)
				if err != nil {
					t.Fatal(err)
				}
				out[pt] = fmt.Sprintf("pending %v payable %v", ms.Pending, ms.Payable)
			}
			return out
		}
		before := stats()
		if before["pt_001"] == "pending map[] payable map[]" {
			t.Fatalf("pt_001 has no pending lines before the close")
		}
		r := runner(st, dec2, 0)
		r.MaxShards = 1
		if _, err := r.Run(ctx, "2026-11"); !errors.Is(err, accrual.ErrIncomplete) {
			t.Fatalf("bounded November close: err = %v, want ErrIncomplete", err)
		}
		// A close in progress moves nothing from pending to payable: the
		// totals change when the period is closed, all at once.
		if during := stats(); fmt.Sprint(during) != fmt.Sprint(before) {
			t.Errorf("stats during the close:\n%v\nwant as before it:\n%v", during, before)
		}
		if _, err := runner(st, dec2, 0).Run(ctx, "2026-10"); !errors.As(err, new(accrual.ErrRefused)) {
			t.Errorf("closing October while November sweeps it: err = %v, want a refusal", err)
		}
		res, err := runner(st, dec2, 0).Run(ctx, "2026-11")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := runner(st, dec2, 0).Run(ctx, "2026-10"); err != nil || got != (accrual.Result{Period: "2026-10"}) {
			t.Errorf("October after November swept it = %+v, %v; want nothing", got, err)
		}
		if got, err := runner(st, dec2, 0).Run(ctx, "2026-08"); err != nil || got != (accrual.Result{Period: "2026-08"}) {
			t.Errorf("August after the last close = %+v, %v; want nothing", got, err)
		}
		if oct := statements(t, st, "2026-10"); len(oct) != 0 {
			t.Errorf("October has statements of its own: %v", oct)
		}
		if aug := statements(t, st, "2026-08"); len(aug) != 0 {
			t.Errorf("August has statements: %v", aug)
		}
		if len(statements(t, st, "2026-11")) != res.Statements || res.Lines < 41 {
			t.Errorf("November result %+v does not hold every line", res)
		}
		payableAgrees(t, st, dec2, "2026-11")
		if after, err := st.PartnerStats(ctx, "pt_001", dec2); err != nil || len(after.Pending) != 0 {
			t.Errorf("pt_001 pending after the close = %v, %v; want none", after.Pending, err)
		}
	})
}

// TestSuspendedPartnerOnHold: a partner suspended when a period closes
// gets its statement on hold (not payable, no payable total, and its
// email copied like any statement's); the first close after it is
// reactivated carries the held total in.
func TestSuspendedPartnerOnHold(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		p := partner.Partner{ID: "pt_s", Code: "shady", Subject: "u_s", Email: "s@example.com", Status: partner.StatusActive, CreatedAt: signedUp}
		if _, _, err := st.CreatePartner(ctx, p); err != nil {
			t.Fatal(err)
		}
		billingtest.Attribute(t, st, "cus_s", "pt_s", signedUp)
		e := billingtest.New(t, st, oct.Add(time.Hour), 2500, 0)
		e.Pay(t, "p1", "cus_s", 9900, "USD", oct) // +2475
		if _, err := st.SetPartnerStatus(ctx, "pt_s", partner.StatusSuspended); err != nil {
			t.Fatal(err)
		}
		if _, err := runner(st, nov2, 0).Run(ctx, "2026-10"); err != nil {
			t.Fatal(err)
		}
		want := []string{"2026-10 pt_s USD earned=2475 reversed=0 carried_in=0 total=2475 on_hold lines=1"}
		if got := statements(t, st, "2026-10"); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("October statements:\n%s\nwant\n%s", join(got), join(want))
		}
		oct, _ := st.PeriodStatements(ctx, "2026-10")
		if len(oct) != 1 || oct[0].Email != "s@example.com" {
			t.Errorf("October statement = %+v, want the partner's email on it", oct)
		}
		if _, err := st.MarkPaid(ctx, oct[0].ID, "wire", nov2); !errors.Is(err, dynamo.ErrNotPayable) {
			t.Errorf("paying a held statement: err = %v, want ErrNotPayable", err)
		}
		if ms, err := st.PartnerStats(ctx, "pt_s", nov2); err != nil || len(ms.Payable) != 0 || len(ms.Pending) != 0 {
			t.Errorf("stats while held = %+v, %v; want nothing payable or pending", ms, err)
		}
		// Still suspended at the next close: held again, with no new line.
		if _, err := runner(st, dec2, 0).Run(ctx, "2026-11"); err != nil {
			t.Fatal(err)
		}
		want = []string{"2026-11 pt_s USD earned=0 reversed=0 carried_in=2475 total=2475 on_hold lines=0"}
		if got := statements(t, st, "2026-11"); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("November statements:\n%s\nwant\n%s", join(got), join(want))
		}
		if _, err := st.SetPartnerStatus(ctx, "pt_s", partner.StatusActive); err != nil {
			t.Fatal(err)
		}
		e.SetNow(dec2)
		e.Pay(t, "p2", "cus_s", 400, "USD", dec2) // +100
		jan2 := time.Date(2027, 1, 2, 2, 0, 0, 0, time.UTC)
		if _, err := runner(st, jan2, 0).Run(ctx, "2026-12"); err != nil {
			t.Fatal(err)
		}
		want = []string{"2026-12 pt_s USD earned=100 reversed=0 carried_in=2475 total=2575 payable lines=1"}
		if got := statements(t, st, "2026-12"); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("December statements:\n%s\nwant\n%s", join(got), join(want))
		}
		if ms, err := st.PartnerStats(ctx, "pt_s", jan2); err != nil || ms.Payable["USD"] != 2575 {
			t.Errorf("stats after reactivation = %+v, %v; want USD 2575 payable", ms, err)
		}
	})
}

// payableAgrees checks every partner's payable total (GET /partners/{id}
// stats) against its statements: the sum, per currency, of the payable
// ones of the given periods.
func payableAgrees(t *testing.T, st *dynamo.Store, now time.Time, periods ...string) {
	t.Helper()
	ctx := context.Background()
	want := map[string]map[string]int64{}
	for _, p := range periods {
		stmts, err := st.PeriodStatements(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stmts {
			if want[s.PartnerID] == nil {
				want[s.PartnerID] = map[string]int64{}
			}
			if s.Status == ledger.StatusPayable {
				want[s.PartnerID][s.Currency] += s.Total()
			}
		}
	}
	if len(want) == 0 {
		t.Fatal("no statements to check")
	}
	for id, w := range want {
		ms, err := st.PartnerStats(ctx, id, now)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(ms.Payable) != fmt.Sprint(w) {
			t.Errorf("%s payable = %v, want %v (its payable statements)", id, ms.Payable, w)
		}
	}
}

// TestPayableFollowsStatements: over two random months closed one after
// the other, with a payout minimum that carries small totals forward and
// some statements paid in between, every partner's payable total is the
// sum of its payable statements not yet paid.
func TestPayableFollowsStatements(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		seed(t, st, 25, 80) // October
		if _, err := runner(st, nov2, 3000).Run(ctx, "2026-10"); err != nil {
			t.Fatal(err)
		}
		payableAgrees(t, st, nov2, "2026-10")
		octStmts, err := st.PeriodStatements(ctx, "2026-10")
		if err != nil {
			t.Fatal(err)
		}
		paid := 0
		for i, s := range octStmts {
			if s.Status == ledger.StatusPayable && i%2 == 0 {
				if _, err := st.MarkPaid(ctx, s.ID, "wire", nov2); err != nil {
					t.Fatal(err)
				}
				paid++
			}
		}
		if paid == 0 {
			t.Fatal("October had no payable statement to pay")
		}
		payableAgrees(t, st, nov2, "2026-10")

		e := billingtest.New(t, st, dec2.Add(-time.Hour), 2500, 0)
		r := rand.New(rand.NewPCG(11, 13))
		for i := range 60 {
			pid := fmt.Sprintf("pay_nov_%d", i)
			amount := 1 + r.Int64N(20000)
			at := nov2.Add(time.Duration(r.IntN(25*24)) * time.Hour)
			e.Pay(t, pid, fmt.Sprintf("cus_%d", r.IntN(25)), amount, []string{"USD", "EUR"}[r.IntN(2)], at)
			if r.IntN(4) == 0 {
				e.Refund(t, pid, pid+"_r1", amount, at.Add(time.Hour))
			}
		}
		// A refund of an October payment lands in November's statement.
		e.Refund(t, "pay_0", "pay_0_late", 1, nov2.Add(time.Hour))
		if _, err := runner(st, dec2, 3000).Run(ctx, "2026-11"); err != nil {
			t.Fatal(err)
		}
		payableAgrees(t, st, dec2, "2026-10", "2026-11")
		carried := 0
		for _, s := range statements(t, st, "2026-11") {
			if strings.Contains(s, "carried_in=") && !strings.Contains(s, "carried_in=0 ") {
				carried++
			}
		}
		if carried == 0 {
			t.Error("no November statement carried a balance in; the months test nothing")
		}
	})
}

// failOn is a store that fails to mark one shard done, as if the run
// were stopped after writing that shard's statements.
type failOn struct {
	*dynamo.Store
	shard int
}

func (f *failOn) MarkShardDone(ctx context.Context, period string, shard int, sum ledger.Summary) error {
	if shard == f.shard {
		return errors.New("stopped before marking the shard done")
	}
	return f.Store.MarkShardDone(ctx, period, shard, sum)
}

// TestRetriedShardAfterStatusChange: a shard written but not marked done
// is written again by the next run, with the partner's status at that
// time; what the first attempt wrote leaves nothing behind: a statement
// held on the first attempt and payable on the retry is payable (and not
// carried into the next period), and the reverse is held (and carried).
func TestRetriedShardAfterStatusChange(t *testing.T) {
	for _, c := range []struct {
		name          string
		first, second string
		want          string
		payable       map[string]int64
		carriedIn     int64
	}{
		{"held then payable", partner.StatusSuspended, partner.StatusActive, "payable", map[string]int64{"USD": 2475}, 0},
		{"payable then held", partner.StatusActive, partner.StatusSuspended, "on_hold", map[string]int64{}, 2475},
	} {
		t.Run(c.name, func(t *testing.T) {
			dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
				ctx := context.Background()
				st := dynamo.New(b.Client, b.Table)
				p := partner.Partner{ID: "pt_r", Code: "retry", Subject: "u_r", Email: "r@example.com", Status: partner.StatusActive, CreatedAt: signedUp}
				if _, _, err := st.CreatePartner(ctx, p); err != nil {
					t.Fatal(err)
				}
				billingtest.Attribute(t, st, "cus_r", "pt_r", signedUp)
				e := billingtest.New(t, st, oct.Add(time.Hour), 2500, 0)
				e.Pay(t, "p1", "cus_r", 9900, "USD", oct) // +2475
				if _, err := st.SetPartnerStatus(ctx, "pt_r", c.first); err != nil {
					t.Fatal(err)
				}
				r := runner(st, nov2, 0)
				r.Store = &failOn{Store: st, shard: dynamo.PartnerShard("pt_r")}
				if _, err := r.Run(ctx, "2026-10"); err == nil {
					t.Fatal("the stopped run succeeded")
				}
				if got := statements(t, st, "2026-10"); len(got) != 1 || !strings.HasSuffix(got[0], map[string]string{partner.StatusSuspended: "on_hold lines=1", partner.StatusActive: "payable lines=1"}[c.first]) {
					t.Fatalf("after the stopped run: %v", got)
				}
				if _, err := st.SetPartnerStatus(ctx, "pt_r", c.second); err != nil {
					t.Fatal(err)
				}
				if _, err := runner(st, nov2, 0).Run(ctx, "2026-10"); err != nil {
					t.Fatal(err)
				}
				want := []string{"2026-10 pt_r USD earned=2475 reversed=0 carried_in=0 total=2475 " + c.want + " lines=1"}
				if got := statements(t, st, "2026-10"); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("October statements:\n%s\nwant\n%s", join(got), join(want))
				}
				if ms, err := st.PartnerStats(ctx, "pt_r", nov2); err != nil || fmt.Sprint(ms.Payable) != fmt.Sprint(c.payable) {
					t.Errorf("payable after the retry = %v, %v; want %v", ms.Payable, err, c.payable)
				}
				// November: no new line; a held balance carries in, a
				// payable one does not.
				if _, err := runner(st, dec2, 0).Run(ctx, "2026-11"); err != nil {
					t.Fatal(err)
				}
				nov, err := st.PartnerStatements(ctx, "pt_r", "2026-11")
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case c.carriedIn == 0 && len(nov) != 0:
					t.Errorf("November statements = %+v, want none", nov)
				case c.carriedIn != 0 && (len(nov) != 1 || nov[0].CarriedIn != c.carriedIn):
					t.Errorf("November statements = %+v, want one carrying in %d", nov, c.carriedIn)
				}
			})
		})
	}
}

// TestHeldCommissionsBecomePayableWhenDue: under a 30-day hold, a
// commission due after the month it was earned in joins the statement of
// the month it is due in; until that month is closed it is pending (and
// on hold), never payable, and a refund inside the hold nets it out before
// any payout.
func TestHeldCommissionsBecomePayableWhenDue(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		s := program.FromEnvironment(2500, 0, 0)
		s.Version, s.HoldDays = 2, 30
		s.Normalize()
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		if err := st.SaveProgram(ctx, s); err != nil {
			t.Fatal(err)
		}
		billingtest.Attribute(t, st, "cus_h", "pt_h", signedUp)
		billingtest.Attribute(t, st, "cus_r", "pt_r", signedUp)
		e := billingtest.New(t, st, time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC), 2500, 0)
		e.Pay(t, "p_early", "cus_h", 10000, "USD", time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)) // +2500, due Oct 31
		e.Pay(t, "p_late", "cus_h", 4000, "USD", time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC))  // +1000, due Nov 9
		e.Pay(t, "p_refunded", "cus_r", 8000, "USD", time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC))
		e.Refund(t, "p_refunded", "r_1", 8000, time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)) // inside the hold

		if _, err := runner(st, nov2, 0).Run(ctx, "2026-10"); err != nil {
			t.Fatal(err)
		}
		want := []string{"2026-10 pt_h USD earned=2500 reversed=0 carried_in=0 total=2500 payable lines=1"}
		if got := statements(t, st, "2026-10"); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("October statements:\n%s\nwant\n%s", join(got), join(want))
		}
		payableAgrees(t, st, nov2, "2026-10")
		ms, err := st.PartnerStats(ctx, "pt_h", nov2)
		if err != nil || fmt.Sprint(ms.Pending, ms.Payable) != "map[USD:1000] map[USD:2500]" {
			t.Errorf("pt_h after October = pending %v payable %v, %v; want 1000 pending, 2500 payable", ms.Pending, ms.Payable, err)
		}
		if ms, err := st.PartnerStats(ctx, "pt_r", nov2); err != nil || len(ms.Payable)+len(ms.Pending) != 0 {
			t.Errorf("pt_r (refunded inside the hold) = pending %v payable %v, %v; want nothing", ms.Pending, ms.Payable, err)
		}

		if _, err := runner(st, dec2, 0).Run(ctx, "2026-11"); err != nil {
			t.Fatal(err)
		}
		want = []string{
			"2026-11 pt_h USD earned=1000 reversed=0 carried_in=0 total=1000 payable lines=1",
			"2026-11 pt_r USD earned=2000 reversed=2000 carried_in=0 total=0 carried_forward lines=2",
		}
		if got := statements(t, st, "2026-11"); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("November statements:\n%s\nwant\n%s", join(got), join(want))
		}
		payableAgrees(t, st, dec2, "2026-10", "2026-11")
	})
}
