package ledger

// Line kinds.
const (
	KindCommission = "commission"
	KindReversal   = "reversal"
	// KindOverride is a second-tier line: what a partner earns on the
	// commission of a partner it recruited.
	KindOverride = "override"
)

// Statement statuses.
const (
	StatusPayable        = "payable"
	StatusCarriedForward = "carried_forward"
	StatusPaid           = "paid"
	// StatusOnHold is the statement of a partner suspended when its period
	// closed: not payable, and carried into the next close like a
	// carried_forward balance.
	StatusOnHold = "on_hold"
)

// Line is one append-only ledger line. Amount is signed: positive for a
// commission, negative for a reversal, so a statement's lines sum to its
// earned minus reversed.
type Line struct {
	ID         string
	Kind       string
	PartnerID  string
	PaymentID  string
	RefundID   string // reversals only
	CustomerID string
	Currency   string
	Amount     int64
	// At is the payment's or refund's time, in Unix milliseconds.
	At int64
	// Basis is what produced a commission or override line; nil on
	// reversals and on lines written before rules had versions.
	Basis *Basis
}

// Totals are a statement's sums.
type Totals struct {
	Earned    int64
	Reversed  int64
	CarriedIn int64
	Lines     int
}

// Add counts one line.
func (t *Totals) Add(l Line) {
	if l.Amount >= 0 {
		t.Earned += l.Amount
	} else {
		t.Reversed -= l.Amount
	}
	t.Lines++
}

// Total is earned − reversed + carried in.
func (t Totals) Total() int64 { return t.Earned - t.Reversed + t.CarriedIn }

// Status is payable when the total is positive and at least minPayout,
// otherwise carried_forward (negative balances too).
func (t Totals) Status(minPayout int64) string {
	if total := t.Total(); total > 0 && total >= minPayout {
		return StatusPayable
	}
	return StatusCarriedForward
}

// StatusAt is the status of a statement closed while its partner is
// suspended or not: on_hold for a suspended partner, whatever the total,
// otherwise Status.
func (t Totals) StatusAt(minPayout int64, suspended bool) string {
	if suspended {
		return StatusOnHold
	}
	return t.Status(minPayout)
}

// Carries reports whether a statement's total joins the partner's next
// statement in its currency.
func Carries(status string) bool {
	return status == StatusCarriedForward || status == StatusOnHold
}
