package program

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// A payment that recorded its number is taken at that number; one that
// did not is estimated from the months since signup. The second tier pays
// the recruiter, never the partner itself, and what it recorded counts on
// the recorded side.
func TestPreview(t *testing.T) {
	s := FromEnvironment(2000, 0, 0)
	s.Plans["pro"] = Rule{BPS: 5000, Duration: Duration{Kind: FirstPayments, Count: 3}}
	s.SecondTier = &SecondTier{BPS: 1000}
	paid := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	rs := []Recorded{
		// Its 3rd payment: still within the plan's first 3.
		{PaymentID: "p1", PartnerID: "ann", CustomerID: "c1", Plan: "pro", Currency: "USD", Amount: 10000, PaidAt: paid, Number: 3,
			Commission: 2500, Upline: "rex", Override: 0},
		// Signed up 5 months before, no number: estimated 6th, past the
		// first 3, earns nothing under the plan.
		{PaymentID: "p2", PartnerID: "ann", CustomerID: "c2", Plan: "pro", Currency: "USD", Amount: 10000, PaidAt: paid,
			SignedUp: paid.AddDate(0, -5, -1), Commission: 2500},
		// Ann recruited herself: no override.
		{PaymentID: "p3", PartnerID: "ann", CustomerID: "c3", Currency: "USD", Amount: 10000, PaidAt: paid, Number: 1,
			Commission: 2500, Upline: "ann"},
		// A fully refunded payment nets zero on both sides.
		{PaymentID: "p4", PartnerID: "rex", CustomerID: "c4", Currency: "USD", Amount: 10000, PaidAt: paid, Number: 9,
			Refunded: 10000, Commission: 2500, Reversed: 2500, Upline: "zed", Override: 250, OverrideReversed: 250},
	}
	got := s.Preview(rs)
	// Proposed: p1 5000 + override 500 for rex, p2 0, p3 2000, p4 0.
	// Recorded: 2500 + 2500 + 2500 + 0.
	want := []CurrencyTotals{{Currency: "USD", Totals: Totals{Payments: 4, Amount: 40000, Recorded: 7500, Proposed: 7500, Difference: 0}}}
	if !slices.Equal(got.Currencies, want) {
		t.Fatalf("currencies = %+v, want %+v", got.Currencies, want)
	}
	byPartner := map[string]Totals{}
	for _, p := range got.Partners {
		byPartner[p.PartnerID] = p.Totals
	}
	if a := byPartner["ann"]; a.Recorded != 7500 || a.Proposed != 7000 || a.Payments != 3 {
		t.Errorf("ann = %+v", a)
	}
	if r := byPartner["rex"]; r.Proposed != 500 || r.Recorded != 0 || r.Payments != 1 {
		t.Errorf("rex = %+v", r)
	}
	if got.Partners[0].PartnerID != "ann" {
		t.Errorf("largest change first: %+v", got.Partners)
	}
	if !slices.Contains(got.Approximations, NoteNumbers) || !slices.Contains(got.Approximations, NoteSecondTier) {
		t.Errorf("approximations = %q", got.Approximations)
	}
}

// BenchmarkPreview prices a dry run's in-process work at its cap: 5,000
// payments of 1,000 customers under per-plan rules, a bounty and a cap.
func BenchmarkPreview(b *testing.B) {
	s := settings()
	s.SecondTier = &SecondTier{BPS: 1000}
	paid := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	plans := []string{"", "pro", "team", "gold"}
	rs := make([]Recorded, 5000)
	for i := range rs {
		rs[i] = Recorded{PaymentID: fmt.Sprintf("pay_%d", i), PartnerID: fmt.Sprintf("pt_%d", i%97), CustomerID: fmt.Sprintf("cus_%d", i%1000),
			Plan: plans[i%4], Currency: []string{"USD", "EUR"}[i%2], Amount: 9900, PaidAt: paid.Add(time.Duration(i) * time.Minute),
			SignedUp: paid.AddDate(0, -i%14, 0), Commission: 2475, Upline: fmt.Sprintf("pt_%d", i%13)}
	}
	b.ReportAllocs()
	for b.Loop() {
		s.Preview(rs)
	}
}
