package program

import (
	"cmp"
	"slices"
	"time"

	"partnerkit/shared/ledger"
)

// Recorded is a payment that earned a commission when it was recorded, as
// a dry run of other settings needs it: what it was, and what it earned.
type Recorded struct {
	PaymentID  string
	PartnerID  string
	CustomerID string
	Plan       string
	Currency   string
	Amount     int64
	PaidAt     time.Time
	// SignedUp is the customer's signup time (zero when unknown).
	SignedUp time.Time
	// Number is the payment's place among its customer's earning payments
	// when the payment recorded it, else 0.
	Number int
	// Refunded is what was refunded of the payment so far.
	Refunded int64
	// Commission and Reversed are the partner's commission and what
	// refunds reversed of it; Override and OverrideReversed the same for
	// the second tier, earned by Upline.
	Commission, Reversed       int64
	Upline                     string
	Override, OverrideReversed int64
}

// Totals compares, for a set of payments in one currency, what was
// recorded with what proposed settings would have paid, both net of the
// refunds recorded so far.
type Totals struct {
	Payments   int   `json:"payments"`
	Amount     int64 `json:"amount"`
	Recorded   int64 `json:"recorded"`
	Proposed   int64 `json:"proposed"`
	Difference int64 `json:"difference"`
}

func (t *Totals) add(amount, recorded, proposed int64, payment bool) {
	if payment {
		t.Payments++
		t.Amount += amount
	}
	t.Recorded += recorded
	t.Proposed += proposed
	t.Difference = t.Proposed - t.Recorded
}

// CurrencyTotals is Totals of one currency.
type CurrencyTotals struct {
	Currency string `json:"currency"`
	Totals
}

// PartnerTotals is Totals of one partner in one currency.
type PartnerTotals struct {
	PartnerID string `json:"partner_id"`
	Currency  string `json:"currency"`
	Totals
}

// Comparison is a dry run's answer.
type Comparison struct {
	Currencies []CurrencyTotals
	// Partners are the partners whose pay would change most, largest
	// change first, at most TopPartners.
	Partners []PartnerTotals
	// Approximations says, in words, where the dry run had to guess.
	Approximations []string
}

// TopPartners bounds Comparison.Partners.
const TopPartners = 10

// Approximations a dry run may state.
const (
	NoteOnlyEarning = "Only payments that earned a commission when they were recorded are compared: payments whose rule had run out, or whose customer had no partner, are not read, so a proposal that lengthens a duration shows less than it would pay."
	NoteNumbers     = "Where a payment did not record its place among the customer's payments, it is estimated as one payment a month since signup, for first-payment limits and bounties."
	NoteCap         = "Caps count only what each customer earned within the month: what they earned before it is not known under the proposed settings."
	NoteSecondTier  = "The second tier is computed only for customers whose attribution records their partner's recruiter."
)

// Preview computes what s would have paid on the payments rs, against
// what they recorded. Payments are taken per customer in time order, so a
// customer's earlier payments in rs count towards its cap and its payment
// numbers.
func (s Settings) Preview(rs []Recorded) Comparison {
	// Sort positions, not the (large) records themselves.
	order := make([]int, len(rs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int {
		a, b := &rs[i], &rs[j]
		if c := cmp.Compare(a.CustomerID, b.CustomerID); c != 0 {
			return c
		}
		if c := a.PaidAt.Compare(b.PaidAt); c != 0 {
			return c
		}
		return cmp.Compare(a.PaymentID, b.PaymentID)
	})
	currencies := map[string]*Totals{}
	partners := map[[2]string]*Totals{}
	partner := func(id, currency string) *Totals {
		k := [2]string{id, currency}
		if partners[k] == nil {
			partners[k] = &Totals{}
		}
		return partners[k]
	}
	var estimated bool
	var customer string
	var position int
	var earned map[string]int64
	for _, i := range order {
		r := &rs[i]
		if r.CustomerID != customer {
			customer, position, earned = r.CustomerID, 0, map[string]int64{}
		}
		position++
		number := r.Number
		if number == 0 {
			estimated = true
			number = position
			if !r.SignedUp.IsZero() && !r.PaidAt.Before(r.SignedUp) {
				number += ledger.MonthsBetween(r.SignedUp, r.PaidAt)
			}
		}
		c, _, ok := s.Commission(Payment{Plan: r.Plan, Currency: r.Currency, Amount: r.Amount, Number: number,
			SignedUp: r.SignedUp, PaidAt: r.PaidAt, EarnedSoFar: earned[r.Currency]})
		if !ok {
			c = 0
		}
		earned[r.Currency] += c
		proposed := c - ledger.Reversal(c, r.Amount, r.Refunded, 0)
		recorded := r.Commission - r.Reversed

		var override, recordedOverride int64
		// As billing decides it: one level, never the partner itself nor
		// the paying customer.
		if s.TierPartner(r.Upline, r.PartnerID) != "" {
			o := ledger.Commission(c, s.SecondTier.BPS)
			override = o - ledger.Reversal(o, r.Amount, r.Refunded, 0)
		}
		if r.Upline != "" {
			recordedOverride = r.Override - r.OverrideReversed
		}

		cur := currencies[r.Currency]
		if cur == nil {
			cur = &Totals{}
			currencies[r.Currency] = cur
		}
		cur.add(r.Amount, recorded+recordedOverride, proposed+override, true)
		partner(r.PartnerID, r.Currency).add(r.Amount, recorded, proposed, true)
		if override != 0 || recordedOverride != 0 {
			partner(r.Upline, r.Currency).add(0, recordedOverride, override, false)
		}
	}

	var out Comparison
	for _, c := range sortedKeys(currencies) {
		out.Currencies = append(out.Currencies, CurrencyTotals{Currency: c, Totals: *currencies[c]})
	}
	for k, t := range partners {
		out.Partners = append(out.Partners, PartnerTotals{PartnerID: k[0], Currency: k[1], Totals: *t})
	}
	abs := func(v int64) int64 { return max(v, -v) }
	slices.SortFunc(out.Partners, func(a, b PartnerTotals) int {
		return cmp.Or(cmp.Compare(abs(b.Difference), abs(a.Difference)), cmp.Compare(a.PartnerID, b.PartnerID), cmp.Compare(a.Currency, b.Currency))
	})
	if len(out.Partners) > TopPartners {
		out.Partners = out.Partners[:TopPartners]
	}
	out.Approximations = []string{NoteOnlyEarning}
	if estimated && s.usesNumbers() {
		out.Approximations = append(out.Approximations, NoteNumbers)
	}
	if len(s.Cap) > 0 {
		out.Approximations = append(out.Approximations, NoteCap)
	}
	if s.SecondTier != nil && s.SecondTier.BPS > 0 {
		out.Approximations = append(out.Approximations, NoteSecondTier)
	}
	return out
}

// usesNumbers reports whether a payment's place among its customer's
// payments changes what it earns under s.
func (s Settings) usesNumbers() bool {
	if s.Default.Duration.Kind == FirstPayments || len(s.Bounty) > 0 {
		return true
	}
	for _, r := range s.Plans {
		if r.Duration.Kind == FirstPayments {
			return true
		}
	}
	return false
}
