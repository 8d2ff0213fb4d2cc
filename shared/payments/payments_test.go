package payments

import (
	"testing"
	"time"

	"partnerkit/shared/attribution"
	"partnerkit/shared/program"
)

func TestDecideWhoEarns(t *testing.T) {
	signup := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	attributed := &Customer{Decision: attribution.Decision{CustomerID: "c1", Attributed: true, PartnerID: "p1"}, CreatedAt: signup}
	tests := []struct {
		name   string
		c      *Customer
		paidAt time.Time
		months int
		want   string
		ok     bool
	}{
		{"unknown customer", nil, signup, 0, "", false},
		{"not attributed", &Customer{Decision: attribution.Decision{CustomerID: "c1"}, CreatedAt: signup}, signup, 0, "", false},
		{"attributed, no limit", attributed, signup.AddDate(5, 0, 0), 0, "p1", true},
		{"within months", attributed, signup.AddDate(0, 11, 0), 12, "p1", true},
		{"after months", attributed, signup.AddDate(0, 12, 0), 12, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Payment{ID: "pay1", CustomerID: "c1", Currency: "USD", Amount: 9900, PaidAt: tt.paidAt.UnixMilli()}
			p.Decide(tt.c, program.FromEnvironment(2500, tt.months, 0))
			ok := p.State == PaymentAttributed
			if p.PartnerID != tt.want || ok != tt.ok {
				t.Errorf("Decide: partner %q, earns %v; want %q, %v", p.PartnerID, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestDecideAndApplyHeld(t *testing.T) {
	c := &Customer{Decision: attribution.Decision{CustomerID: "c1", Attributed: true, PartnerID: "p1"}, CreatedAt: time.UnixMilli(0)}
	p := Payment{ID: "pay1", CustomerID: "c1", Currency: "USD", Amount: 9900, PaidAt: 1000}
	held := p.ApplyHeld([]Refund{{ID: "r1", Amount: 4950}, {ID: "r2", Amount: 5000}, {ID: "r3", Amount: 4950}})
	if held[0].State != RefundApplied || held[1].State != RefundRejected || held[2].State != RefundApplied || p.Refunded != 9900 {
		t.Fatalf("held = %+v, refunded %d", held, p.Refunded)
	}
	lines := p.Decide(c, program.FromEnvironment(2500, 0, 0))
	var sum int64
	for _, l := range lines {
		sum += l.Amount
	}
	if p.State != PaymentAttributed || p.Commission != 2475 || p.Reversed != 2475 || sum != 0 || len(lines) != 3 {
		t.Errorf("payment %+v, lines %+v", p, lines)
	}
	q := Payment{ID: "pay2", Amount: 100, PaidAt: 1000}
	if lines := q.Decide(nil, program.FromEnvironment(2500, 0, 0)); lines != nil || q.State != PaymentUnattributed {
		t.Errorf("unknown customer: state %q, lines %v", q.State, lines)
	}
}
