package program

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"partnerkit/shared/fault"
	"partnerkit/shared/ledger"
)

var signup = time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC)

func settings() Settings {
	s := FromEnvironment(2500, 0, 0)
	s.Version = 3
	s.Plans["pro"] = Rule{BPS: 3000, Duration: Duration{Kind: FirstPayments, Count: 2}}
	s.Plans["team"] = Rule{BPS: 2000, Duration: Duration{Kind: Months, Count: 12}}
	s.Bounty["USD"] = 5000
	s.Cap["EUR"] = 3000
	return s
}

func TestCommission(t *testing.T) {
	s := settings()
	tests := []struct {
		name  string
		p     Payment
		want  int64
		earns bool
		basis string
	}{
		{"default, first payment with bounty", Payment{Currency: "USD", Amount: 9900, Number: 1}, 2475 + 5000, true, "25% of 99.00 USD, bounty 50.00 USD, rule v3"},
		{"default, later payment", Payment{Currency: "USD", Amount: 9999, Number: 7}, 2500, true, "25% of 99.99 USD, rule v3"},
		{"unknown plan earns the default", Payment{Plan: "gold", Currency: "JPY", Amount: 1000, Number: 2}, 250, true, "25% of 1000 JPY, rule v3"},
		{"plan rate", Payment{Plan: "pro", Currency: "USD", Amount: 9900, Number: 2}, 2970, true, "30% of 99.00 USD, plan pro, rule v3"},
		{"plan's first payments over", Payment{Plan: "pro", Currency: "USD", Amount: 9900, Number: 3}, 0, false, ""},
		{"plan's months", Payment{Plan: "team", Currency: "KWD", Amount: 12345, Number: 4, SignedUp: signup, PaidAt: signup.AddDate(0, 11, 0)}, 2469, true, "20% of 12.345 KWD, plan team, rule v3"},
		{"plan's months over", Payment{Plan: "team", Currency: "KWD", Amount: 12345, Number: 4, SignedUp: signup, PaidAt: signup.AddDate(1, 0, 0)}, 0, false, ""},
		{"cap cuts", Payment{Currency: "EUR", Amount: 9900, Number: 2, EarnedSoFar: 2000}, 1000, true, "25% of 99.00 EUR, capped, rule v3"},
		{"cap reached", Payment{Currency: "EUR", Amount: 9900, Number: 3, EarnedSoFar: 3000}, 0, true, "25% of 99.00 EUR, capped, rule v3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, b, ok := s.Commission(tt.p)
			if got != tt.want || ok != tt.earns {
				t.Fatalf("Commission = %d, %v; want %d, %v", got, ok, tt.want, tt.earns)
			}
			if ok && b.Describe(tt.p.Currency) != tt.basis {
				t.Errorf("basis %q, want %q", b.Describe(tt.p.Currency), tt.basis)
			}
		})
	}
}

// The contract's reference vectors hold under version 1.
func TestEnvironmentVersionIsToday(t *testing.T) {
	s := FromEnvironment(2500, 0, 0)
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	for amount, want := range map[int64]int64{9900: 2475, 9999: 2500, 1: 0, 2: 1} {
		if got, _, _ := s.Commission(Payment{Currency: "USD", Amount: amount, Number: 1}); got != want {
			t.Errorf("Commission(%d) = %d, want %d", amount, got, want)
		}
	}
	m := FromEnvironment(2500, 3, 0)
	if _, _, ok := m.Commission(Payment{Currency: "USD", Amount: 100, SignedUp: signup, PaidAt: signup.AddDate(0, 3, 0)}); ok {
		t.Error("COMMISSION_MONTHS=3 still earns after 3 months")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		field string
		edit  func(*Settings)
	}{
		{"default.bps", func(s *Settings) { s.Default.BPS = 10001 }},
		{"default.bps", func(s *Settings) { s.Default.BPS = -1 }},
		{"default.duration.kind", func(s *Settings) { s.Default.Duration.Kind = "forever" }},
		{"plans.pro.duration.count", func(s *Settings) { s.Plans["pro"] = Rule{BPS: 1, Duration: Duration{Kind: FirstPayments}} }},
		{"plans.Pro Plan", func(s *Settings) { s.Plans["Pro Plan"] = s.Default }},
		{"plans", func(s *Settings) { s.Plans[""] = s.Default }},
		{"plans. pro", func(s *Settings) { s.Plans[" pro"] = s.Default }},
		{"hold_days", func(s *Settings) { s.HoldDays = -1 }},
		{"bounty.usd", func(s *Settings) { s.Bounty["usd"] = 1 }},
		{"cap.USD", func(s *Settings) { s.Cap["USD"] = -5 }},
		{"second_tier.bps", func(s *Settings) { s.SecondTier = &SecondTier{BPS: 20000} }},
		{"min_payout_default", func(s *Settings) { s.MinPayoutDefault = -1 }},
	}
	for _, tt := range tests {
		s := settings()
		tt.edit(&s)
		err := s.Validate()
		if fault.ErrorCode(err) != fault.CodeInvalidRequest || !strings.HasPrefix(err.(*fault.Error).Message, tt.field+":") {
			t.Errorf("%s: Validate = %v", tt.field, err)
		}
	}
	if err := settings().Validate(); err != nil {
		t.Errorf("valid settings refused: %v", err)
	}
}

// A full refund nets exactly zero whatever the rule, bounty and cap: the
// reversal works on the line's whole commission.
func TestFullRefundNetsZero(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	currencies := []string{"USD", "JPY", "KWD", "EUR"}
	for range 20000 {
		s := FromEnvironment(r.IntN(MaxBPS+1), 0, 0)
		cur := currencies[r.IntN(len(currencies))]
		if r.IntN(2) == 0 {
			s.Bounty[cur] = r.Int64N(10000)
		}
		if r.IntN(3) == 0 {
			s.Cap[cur] = r.Int64N(100000)
		}
		p := Payment{Currency: cur, Amount: 1 + r.Int64N(1e9), Number: 1 + r.IntN(3), EarnedSoFar: r.Int64N(50000)}
		c, _, ok := s.Commission(p)
		if !ok || c < 0 {
			t.Fatalf("%+v: %d, %v", p, c, ok)
		}
		var refunded, reversed int64
		for refunded < p.Amount {
			a := 1 + r.Int64N(p.Amount-refunded)
			refunded += a
			reversed += ledger.Reversal(c, p.Amount, refunded, reversed)
		}
		if reversed != c {
			t.Fatalf("%+v: commission %d, reversed %d", p, c, reversed)
		}
	}
}
