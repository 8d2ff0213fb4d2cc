package payments

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"partnerkit/shared/attribution"
	"partnerkit/shared/ledger"
	"partnerkit/shared/program"
)

// scenario is a random program and one customer's payments and refunds
// under it, applied as the store applies them: each payment decided on the
// customer's counters, then counted on them.
type scenario struct {
	settings program.Settings
	upline   string
	payments []Payment
	refunds  [][]ledger.RefundEvent // per payment, in order
}

var signup = time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)

func randomSettings(r *rand.Rand) program.Settings {
	s := program.FromEnvironment(r.IntN(10001), 0, 0)
	s.Version = 2 + r.IntN(5)
	durations := []program.Duration{{Kind: program.EveryPayment}, {Kind: program.FirstPayments, Count: 1 + r.IntN(4)}, {Kind: program.Months, Count: 1 + r.IntN(12)}}
	s.Default.Duration = durations[r.IntN(len(durations))]
	for _, plan := range []string{"pro", "team"} {
		if r.IntN(2) == 0 {
			s.Plans[plan] = program.Rule{BPS: r.IntN(10001), Duration: durations[r.IntN(len(durations))]}
		}
	}
	if r.IntN(2) == 0 {
		s.Bounty["USD"] = r.Int64N(5000)
	}
	if r.IntN(2) == 0 {
		s.Cap["USD"] = r.Int64N(20000)
	}
	if r.IntN(2) == 0 {
		s.SecondTier = &program.SecondTier{BPS: r.IntN(10001)}
	}
	s.HoldDays = r.IntN(3) * 15
	if err := s.Validate(); err != nil {
		panic(err)
	}
	return s
}

func randomScenario(r *rand.Rand) scenario {
	sc := scenario{settings: randomSettings(r)}
	if r.IntN(3) > 0 {
		sc.upline = "pt_up"
	}
	plans := []string{"", "pro", "team", "other"}
	at := signup.Add(time.Hour)
	for i := range 1 + r.IntN(8) {
		at = at.Add(time.Duration(1+r.IntN(40)) * 24 * time.Hour)
		p := Payment{ID: fmt.Sprintf("pay_%d", i), CustomerID: "cus_1", Currency: "USD", Amount: 1 + r.Int64N(100000),
			PaidAt: at.UnixMilli(), Plan: plans[r.IntN(len(plans))]}
		var refunds []ledger.RefundEvent
		left, when := p.Amount, at
		for left > 0 && r.IntN(3) > 0 {
			a := 1 + r.Int64N(left)
			if r.IntN(3) == 0 {
				a = left
			}
			when = when.Add(time.Duration(r.IntN(40*24)) * time.Hour)
			refunds = append(refunds, ledger.RefundEvent{ID: fmt.Sprintf("re_%d_%d", i, len(refunds)), Amount: a, At: when.UnixMilli()})
			left -= a
		}
		sc.payments = append(sc.payments, p)
		sc.refunds = append(sc.refunds, refunds)
	}
	return sc
}

// run applies the scenario and returns every line with the time it is
// due (the period it goes to).
func (sc scenario) run(fullRefund bool) ([]ledger.Line, []time.Time, []Payment) {
	c := &Customer{Decision: attribution.Decision{CustomerID: "cus_1", Attributed: true, PartnerID: "pt_a"},
		CreatedAt: signup, Upline: sc.upline, Earned: map[string]int64{}}
	var lines []ledger.Line
	var due []time.Time
	var out []Payment
	for i, p := range sc.payments {
		ls := p.Decide(c, sc.settings)
		for _, l := range ls {
			lines, due = append(lines, l), append(due, p.Due(l.At))
		}
		if p.State == PaymentAttributed {
			c.Pays++
			c.Earned[p.Currency] += p.Commission
		}
		refunds := sc.refunds[i]
		if fullRefund {
			var done int64
			for _, r := range refunds {
				done += r.Amount
			}
			if left := p.Amount - done; left > 0 {
				refunds = append(refunds, ledger.RefundEvent{ID: p.ID + "_rest", Amount: left, At: p.PaidAt + 1})
			}
		}
		for _, r := range refunds {
			for _, l := range p.Refund(r) {
				lines, due = append(lines, l), append(due, p.Due(l.At))
			}
		}
		out = append(out, p)
	}
	return lines, due, out
}

func forScenarios(t *testing.T, f func(t *testing.T, sc scenario)) {
	src := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 3000; i++ {
		sc := randomScenario(src)
		t.Run("", func(t *testing.T) {
			defer func() {
				if t.Failed() {
					t.Logf("settings %+v (second tier %+v), upline %q, payments %+v, refunds %+v", sc.settings, sc.settings.SecondTier, sc.upline, sc.payments, sc.refunds)
				}
			}()
			f(t, sc)
		})
		if t.Failed() {
			return
		}
	}
}

// A full refund nets exactly zero for everyone, bounties and the second
// tier included.
func TestRulesFullRefundNetsZero(t *testing.T) {
	forScenarios(t, func(t *testing.T, sc scenario) {
		lines, _, _ := sc.run(true)
		sums := map[string]int64{}
		for _, l := range lines {
			sums[l.PartnerID] += l.Amount
		}
		for partner, s := range sums {
			if s != 0 {
				t.Fatalf("%s nets %d after full refunds, want 0", partner, s)
			}
		}
	})
}

// What a payment records equals its lines, each partner's lines sum to
// the statements a close would make of them, the cap holds, the second
// tier never pays the partner itself, and every line's basis reproduces
// its amount.
func TestRulesLinesAndStatementsAgree(t *testing.T) {
	forScenarios(t, func(t *testing.T, sc scenario) {
		lines, _, ps := sc.run(false)
		var recorded, own int64
		for _, p := range ps {
			recorded += p.Commission - p.Reversed + p.Override - p.OverrideReversed
		}
		totals := map[string]*ledger.Totals{}
		var sum int64
		for _, l := range lines {
			sum += l.Amount
			k := l.PartnerID + "#" + l.Currency
			if totals[k] == nil {
				totals[k] = &ledger.Totals{}
			}
			totals[k].Add(l)
			if l.Kind == ledger.KindCommission {
				own += l.Amount
			}
			if l.Kind == ledger.KindOverride && (l.PartnerID == "pt_a" || sc.upline == "") {
				t.Fatalf("override %+v paid to the partner itself or without an upline", l)
			}
			if b := l.Basis; b != nil {
				want := ledger.Commission(b.Base, b.BPS) + b.Bounty
				if l.Amount != want && !(b.Capped && l.Amount < want) {
					t.Fatalf("line %+v: basis gives %d", l, want)
				}
			}
		}
		if sum != recorded {
			t.Fatalf("lines sum to %d, payments recorded %d", sum, recorded)
		}
		stmts, _ := ledger.Statements("2026-12", totals, nil, func(string) int64 { return 0 }, nil)
		var stmtSum int64
		for _, s := range stmts {
			stmtSum += s.Total()
		}
		if stmtSum != sum {
			t.Fatalf("statements total %d, lines %d", stmtSum, sum)
		}
		if limit, ok := sc.settings.Cap["USD"]; ok && own > limit {
			t.Fatalf("commissions %d over the cap %d", own, limit)
		}
	})
}

// A hold never lets a refunded commission be paid: a refund inside the
// hold is due with the commission it reverses, so their statement nets
// them; nothing is due before the hold ends.
func TestRulesHoldNetsRefundsBeforePayout(t *testing.T) {
	forScenarios(t, func(t *testing.T, sc scenario) {
		lines, due, ps := sc.run(false)
		byID := map[string]Payment{}
		for _, p := range ps {
			byID[p.ID] = p
		}
		dueOf := map[string]time.Time{}
		for i, l := range lines {
			if l.Kind != ledger.KindReversal {
				dueOf[l.ID] = due[i]
			}
		}
		hold := time.Duration(sc.settings.HoldDays) * 24 * time.Hour
		for i, l := range lines {
			p := byID[l.PaymentID]
			if due[i].Before(time.UnixMilli(p.PaidAt).Add(hold)) {
				t.Fatalf("line %+v due %v, before its hold ends", l, due[i])
			}
			if l.Kind == ledger.KindReversal && l.At <= p.DueAt {
				of := ledger.CommissionLineID(p.ID)
				if l.PartnerID != "pt_a" {
					of = ledger.OverrideLineID(p.ID)
				}
				if ledger.PeriodOf(due[i]) != ledger.PeriodOf(dueOf[of]) {
					t.Fatalf("refund inside the hold %+v due in %v, its commission in %v", l, due[i], dueOf[of])
				}
			}
		}
	})
}
