package billing_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"partnerkit/shared/accrual"
	"partnerkit/shared/billing/billingtest"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/emailaddr"
	"partnerkit/shared/ledger"
	"partnerkit/shared/partner"
	"partnerkit/shared/program"
	"partnerkit/shared/signup"
)

// signUp records a signup through code, as the signup webhook does.
func signUp(t *testing.T, st *dynamo.Store, customerID, code string, at time.Time) {
	t.Helper()
	r := &signup.Recorder{Store: st, Hasher: emailaddr.NewHasher("test-hash-secret-16"), Window: 90 * 24 * time.Hour}
	key := dynamo.WebhookResponse{Endpoint: "signup", ID: "sig_" + customerID, BodyHash: []byte(customerID)}
	if _, err := r.Record(context.Background(), key, signup.Event{CustomerID: customerID, Code: code, CreatedAt: at}, at); err != nil {
		t.Fatalf("signup %s: %v", customerID, err)
	}
}

func enroll(t *testing.T, st *dynamo.Store, id, code, sub string) {
	t.Helper()
	p := partner.Partner{ID: id, Code: code, Subject: sub, Email: id + "@example.com", Status: partner.StatusActive, CreatedAt: signedUp.Add(-48 * time.Hour)}
	if _, _, err := st.CreatePartner(context.Background(), p); err != nil {
		t.Fatal(err)
	}
}

func save(t *testing.T, st *dynamo.Store, s program.Settings) {
	t.Helper()
	s.Normalize()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveProgram(context.Background(), s); err != nil {
		t.Fatal(err)
	}
}

// described returns a partner's lines of a bucket as "id amount (basis)".
func described(t *testing.T, st *dynamo.Store, partnerID, period string) []string {
	t.Helper()
	ls, err := st.PartnerLines(context.Background(), partnerID, period)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, l := range ls {
		s := fmt.Sprintf("%s %d", l.ID, l.Amount)
		if l.Basis != nil {
			s += " (" + l.Basis.Describe(l.Currency) + ")"
		}
		out = append(out, s)
	}
	return out
}

func sumOf(t *testing.T, st *dynamo.Store, partnerID, period string) int64 {
	t.Helper()
	ls, err := st.PartnerLines(context.Background(), partnerID, period)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, l := range ls {
		total += l.Amount
	}
	return total
}

// Every rule of the program's settings through the billing webhook: plan
// rates and durations, the first payment's bounty, the cap, the second
// tier for the partner who recruited the customer's partner, and a full
// refund netting all of it to zero.
func TestProgramRules(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		st := dynamo.New(b.Client, b.Table)
		e := billingtest.New(t, st, oct.Add(7*24*time.Hour), 2500, 0)
		s := program.FromEnvironment(2500, 0, 0)
		s.Version = 2
		s.Plans["pro"] = program.Rule{BPS: 4000, Duration: program.Duration{Kind: program.FirstPayments, Count: 2}}
		s.Bounty["USD"] = 1000
		s.Cap["USD"] = 7000
		s.SecondTier = &program.SecondTier{BPS: 1000}
		save(t, st, s)

		// pt_p enrolled first, then signed up as a customer through pt_r's
		// code: pt_r recruited it.
		enroll(t, st, "pt_r", "rcode", "user_r")
		enroll(t, st, "pt_p", "pcode", "user_p")
		signUp(t, st, "user_p", "rcode", signedUp)
		if p, err := st.Partner(context.Background(), "pt_p"); err != nil || p.ReferredBy != "pt_r" {
			t.Fatalf("pt_p referred by %q (%v), want pt_r", p.ReferredBy, err)
		}
		signUp(t, st, "cus_x", "pcode", signedUp)

		pay := func(id, plan string, at time.Time) billingtest.Reply {
			t.Helper()
			return e.Deliver(t, "", billingtest.PlanPaymentBody(id, "cus_x", 10000, "usd", at, plan))
		}
		for i, plan := range []string{"PRO", "pro", "pro", "basic"} {
			if r := pay(fmt.Sprintf("pay_%d", i+1), plan, oct.Add(time.Duration(i)*24*time.Hour)); r.Status != 200 {
				t.Fatalf("payment %d: %d %v", i+1, r.Status, r.Body)
			}
		}
		got := fmt.Sprint(described(t, st, "pt_p", "2026-10"))
		want := "[c_pay_1 5000 (40% of 100.00 USD, plan pro, bounty 10.00 USD, rule v2) c_pay_2 2000 (40% of 100.00 USD, plan pro, capped, rule v2)]"
		if got != want {
			// pay_3 is past pro's first two payments; basic's 25% finds
			// the cap used up.
			t.Errorf("pt_p lines = %s\nwant %s", got, want)
		}
		got = fmt.Sprint(described(t, st, "pt_r", "2026-10"))
		want = "[o_pay_1 500 (10% of 50.00 USD commission of partner pt_p, rule v2) o_pay_2 200 (10% of 20.00 USD commission of partner pt_p, rule v2)]"
		if got != want {
			t.Errorf("pt_r lines = %s\nwant %s", got, want)
		}

		// A full refund of pay_1 reverses its commission, bounty
		// included, and the override: both net to zero.
		e.Refund(t, "pay_1", "re_1", 6000, oct.Add(5*24*time.Hour))
		e.Refund(t, "pay_1", "re_2", 4000, oct.Add(6*24*time.Hour))
		if got := sumOf(t, st, "pt_p", "2026-10"); got != 2000 {
			t.Errorf("pt_p after refunding pay_1: %d, want 2000 (pay_2's)", got)
		}
		if got := sumOf(t, st, "pt_r", "2026-10"); got != 200 {
			t.Errorf("pt_r after refunding pay_1: %d, want 200 (pay_2's override)", got)
		}

		// A malformed plan is refused, and nothing is recorded.
		if r := pay("pay_bad", "pro plan", oct); r.Status != 400 || r.Code() != "invalid_request" {
			t.Errorf("malformed plan = %d %v, want 400", r.Status, r.Body)
		}
	})
}

// A payment decided under a cached version that an admin replaced
// meanwhile is decided again under the new one.
func TestSettingsChangeSeenOnWrite(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		st := dynamo.New(b.Client, b.Table)
		e := billingtest.New(t, st, oct.Add(time.Hour), 2500, 0)
		e.Settings.TTL = time.Hour
		enroll(t, st, "pt_a", "acode", "user_a")
		signUp(t, st, "cus_1", "acode", signedUp)
		e.Pay(t, "pay_1", "cus_1", 10000, "USD", oct)
		s := program.FromEnvironment(3000, 0, 0)
		s.Version = 2
		save(t, st, s)
		e.Pay(t, "pay_2", "cus_1", 10000, "USD", oct)
		got := fmt.Sprint(described(t, st, "pt_a", "2026-10"))
		want := "[c_pay_1 2500 (25% of 100.00 USD, rule v1) c_pay_2 3000 (30% of 100.00 USD, rule v2)]"
		if got != want {
			t.Errorf("lines = %s\nwant %s", got, want)
		}
	})
}

// A hold sends a commission to the statement of the period it becomes
// due in, and a refund inside the hold nets out in that same statement.
func TestHoldPeriod(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		st := dynamo.New(b.Client, b.Table)
		e := billingtest.New(t, st, oct.Add(30*24*time.Hour), 2500, 0)
		s := program.FromEnvironment(2500, 0, 0)
		s.Version, s.HoldDays = 2, 30
		save(t, st, s)
		enroll(t, st, "pt_a", "acode", "user_a")
		signUp(t, st, "cus_1", "acode", signedUp)
		early := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC) // due Oct 31
		late := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC) // due Nov 9
		e.Pay(t, "pay_early", "cus_1", 10000, "USD", early)
		e.Pay(t, "pay_late", "cus_1", 10000, "USD", late)
		// The profile shows what waits beyond the next statement.
		ms, err := st.PartnerStats(context.Background(), "pt_a", late.Add(time.Hour))
		if err != nil || ms.Pending["USD"] != 5000 || ms.OnHold["USD"] != 2500 {
			t.Errorf("stats = %+v (%v), want 5000 pending of which 2500 on hold", ms, err)
		}
		e.Refund(t, "pay_late", "re_1", 10000, late.Add(5*24*time.Hour))
		if got := fmt.Sprint(lines(t, st, "pt_a", "2026-10")); got != "[c_pay_early:USD:2500]" {
			t.Errorf("October bucket = %s, want pay_early's commission only", got)
		}
		if got := fmt.Sprint(lines(t, st, "pt_a", "2026-11")); got != "[c_pay_late:USD:2500 r_re_1:USD:-2500]" {
			t.Errorf("November bucket = %s, want pay_late's commission and its reversal", got)
		}
		// A refund after the hold goes to its own period.
		e.SetNow(time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC))
		e.Refund(t, "pay_early", "re_2", 5000, time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC))
		if got := fmt.Sprint(lines(t, st, "pt_a", "2026-12")); got != "[r_re_2:USD:-1250]" {
			t.Errorf("December bucket = %s, want pay_early's half reversal", got)
		}
	})
}

// Two partners who recruit each other: pt_a recruited pt_b, then pt_a's
// own user signs up as a customer through pt_b. pt_b earns on pt_a's
// payments, but pt_a earns no second tier on its own payments, and pt_b
// does not become pt_a's recruiter (a loop would let each earn on the
// other).
func TestSecondTierNeverOnOwnPayments(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		e := billingtest.New(t, st, oct.Add(7*24*time.Hour), 2500, 0)
		s := program.FromEnvironment(2500, 0, 0)
		s.Version = 2
		s.SecondTier = &program.SecondTier{BPS: 1000}
		save(t, st, s)

		enroll(t, st, "pt_a", "acode", "user_a")
		enroll(t, st, "pt_b", "bcode", "user_b")
		signUp(t, st, "user_b", "acode", signedUp)
		signUp(t, st, "user_a", "bcode", signedUp)
		if p, err := st.Partner(ctx, "pt_a"); err != nil || p.ReferredBy != "" {
			t.Errorf("pt_a referred by %q (%v), want nobody: pt_a recruited pt_b", p.ReferredBy, err)
		}
		if d, err := st.Attribution(ctx, "user_a"); err != nil || d.PartnerID != "pt_b" || d.Upline != "" {
			t.Errorf("user_a's attribution = %+v (%v), want pt_b without an upline", d, err)
		}

		e.Pay(t, "pay_a", "user_a", 10000, "USD", oct)
		if got := fmt.Sprint(described(t, st, "pt_b", "2026-10")); got != "[c_pay_a 2500 (25% of 100.00 USD, rule v2)]" {
			t.Errorf("pt_b lines = %s", got)
		}
		if got := described(t, st, "pt_a", "2026-10"); len(got) != 0 {
			t.Errorf("pt_a earned on its own payment: %v", got)
		}
	})
}

// Payments of one customer delivered at once, at the largest amount a
// payment may have: the bounty is paid once, the cap is never exceeded,
// the second tier follows what was earned, and full refunds net all of it
// to zero.
func TestConcurrentPaymentsOfOneCustomer(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		st := dynamo.New(b.Client, b.Table)
		e := billingtest.New(t, st, oct.Add(7*24*time.Hour), 2500, 0)
		s := program.FromEnvironment(2500, 0, 0)
		s.Version = 2
		s.Bounty["USD"] = ledger.MaxAmount
		s.Cap["USD"] = 15000
		s.SecondTier = &program.SecondTier{BPS: 3333}
		save(t, st, s)
		enroll(t, st, "pt_r", "rcode", "user_r")
		enroll(t, st, "pt_p", "pcode", "user_p")
		signUp(t, st, "user_p", "rcode", signedUp)
		signUp(t, st, "cus_x", "pcode", signedUp)

		const n = 8
		var wg sync.WaitGroup
		status := make([]int, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := billingtest.PaymentBody(fmt.Sprintf("pay_%d", i), "cus_x", ledger.MaxAmount, "usd", oct.Add(time.Duration(i)*time.Minute))
				status[i] = e.Deliver(t, "", body).Status
			}()
		}
		wg.Wait()
		for i, s := range status {
			if s != 200 {
				t.Fatalf("payment %d: %d", i, s)
			}
		}
		lines, err := st.PartnerLines(context.Background(), "pt_p", "2026-10")
		if err != nil {
			t.Fatal(err)
		}
		bounties := 0
		for _, l := range lines {
			if l.Basis != nil && l.Basis.Bounty > 0 {
				bounties++
			}
		}
		if got := sumOf(t, st, "pt_p", "2026-10"); got != 15000 || bounties != 1 {
			t.Errorf("pt_p earned %d with %d bounties, want the cap 15000 and one bounty: %v", got, bounties, described(t, st, "pt_p", "2026-10"))
		}
		if got := sumOf(t, st, "pt_r", "2026-10"); got != 5000 {
			t.Errorf("pt_r earned %d, want 33.33%% of 15000 = 5000", got)
		}

		third := int64(ledger.MaxAmount) / 3
		for i := range n {
			e.Refund(t, fmt.Sprintf("pay_%d", i), fmt.Sprintf("re_a%d", i), third, oct.Add(time.Hour))
			e.Refund(t, fmt.Sprintf("pay_%d", i), fmt.Sprintf("re_b%d", i), ledger.MaxAmount-third, oct.Add(2*time.Hour))
		}
		if p, r := sumOf(t, st, "pt_p", "2026-10"), sumOf(t, st, "pt_r", "2026-10"); p != 0 || r != 0 {
			t.Errorf("after full refunds pt_p %d, pt_r %d; want 0 and 0", p, r)
		}
	})
}

// A payment that arrives before its customer's signup, with a refund that
// arrived before it, is decided at the monthly run under the version in
// force when it was recorded, not the one an admin saved since; the second
// tier and the bounty come with it, and a later refund of the rest nets
// everything to zero.
func TestPendingDecidedUnderRecordedVersion(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		s := program.FromEnvironment(2500, 0, 0)
		s.Version, s.Default.BPS = 2, 4000
		s.Bounty["USD"] = 333
		s.SecondTier = &program.SecondTier{BPS: 1555}
		save(t, st, s)
		enroll(t, st, "pt_r", "rcode", "user_r")
		enroll(t, st, "pt_p", "pcode", "user_p")
		signUp(t, st, "user_p", "rcode", signedUp)
		e := billingtest.New(t, st, time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC), 2500, 0)
		e.Refund(t, "pay_1", "re_0", 333, time.Date(2026, 10, 9, 0, 0, 0, 0, time.UTC))
		e.Pay(t, "pay_1", "cus_late", 9999, "USD", time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC))
		v3 := program.FromEnvironment(1000, 0, 0)
		v3.Version = 3
		save(t, st, v3)
		signUp(t, st, "cus_late", "pcode", time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC))

		run := &accrual.Runner{Store: st, Settings: &program.Cache{Load: st, Defaults: program.FromEnvironment(2500, 0, 0), TTL: time.Nanosecond},
			Now: func() time.Time { return time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC) }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if _, err := run.Run(ctx, "2026-10"); err != nil {
			t.Fatal(err)
		}
		// 40% of 99.99 is 40.00 (3999.6 rounded), plus the 3.33 bounty;
		// the held refund of 3.33 reverses 144 (144.3) of it.
		if got, want := fmt.Sprint(described(t, st, "pt_p", "2026-10")), "[c_pay_1 4333 (40% of 99.99 USD, bounty 3.33 USD, rule v2) r_re_0 -144]"; got != want {
			t.Errorf("pt_p lines = %s\nwant %s", got, want)
		}
		if got, want := fmt.Sprint(described(t, st, "pt_r", "2026-10")), "[o_pay_1 674 (15.55% of 43.33 USD commission of partner pt_p, rule v2) ro_re_0 -22]"; got != want {
			t.Errorf("pt_r lines = %s\nwant %s", got, want)
		}
		e.SetNow(time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC))
		e.Refund(t, "pay_1", "re_1", 9999-333, time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC))
		for _, pt := range []string{"pt_p", "pt_r"} {
			if got := sumOf(t, st, pt, "2026-10") + sumOf(t, st, pt, "2026-11"); got != 0 {
				t.Errorf("%s after the full refund: %d, want 0", pt, got)
			}
		}
	})
}
