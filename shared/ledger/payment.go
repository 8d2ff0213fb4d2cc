package ledger

// PaymentEvent is a recorded payment, as the ledger needs it.
type PaymentEvent struct {
	ID         string
	CustomerID string
	Currency   string
	Amount     int64
	At         int64 // Unix milliseconds
}

// RefundEvent is a refund applied to a payment.
type RefundEvent struct {
	ID     string
	Amount int64
	At     int64 // Unix milliseconds
}

// CommissionLineID and ReversalLineID derive line ids from the payment or
// refund they come from, so a line can only ever be written once.
func CommissionLineID(paymentID string) string { return "c_" + paymentID }

// ReversalLineID is the id of a refund's reversal line.
func ReversalLineID(refundID string) string { return "r_" + refundID }

// PaymentLines returns the lines a payment's commission c makes for
// partnerID: the commission line (with its basis) and one reversal per
// refund applied so far, in order, and the total reversed. A zero
// commission or reversal makes no line.
func PaymentLines(p PaymentEvent, partnerID string, c int64, basis *Basis, refunds []RefundEvent) ([]Line, int64) {
	return linesOf(p, partnerID, KindCommission, CommissionLineID(p.ID), ReversalLineID, c, basis, refunds)
}

// OverrideLineID and OverrideReversalLineID are the ids of a payment's
// second-tier line and of a refund's reversal of it.
func OverrideLineID(paymentID string) string { return "o_" + paymentID }

// OverrideReversalLineID is the id of a refund's reversal of an override.
func OverrideReversalLineID(refundID string) string { return "ro_" + refundID }

// OverrideLines is PaymentLines for a second-tier override o earned by
// uplineID.
func OverrideLines(p PaymentEvent, uplineID string, o int64, basis *Basis, refunds []RefundEvent) ([]Line, int64) {
	return linesOf(p, uplineID, KindOverride, OverrideLineID(p.ID), OverrideReversalLineID, o, basis, refunds)
}

func linesOf(p PaymentEvent, partnerID, kind, id string, revID func(string) string, c int64, basis *Basis, refunds []RefundEvent) ([]Line, int64) {
	if c == 0 {
		return nil, 0
	}
	lines := []Line{{
		ID: id, Kind: kind, PartnerID: partnerID, PaymentID: p.ID,
		CustomerID: p.CustomerID, Currency: p.Currency, Amount: c, At: p.At, Basis: basis,
	}}
	var refunded, reversed int64
	for _, r := range refunds {
		refunded += r.Amount
		rev := Reversal(c, p.Amount, refunded, reversed)
		reversed += rev
		if line, ok := reversalLine(p, partnerID, revID(r.ID), r, rev); ok {
			lines = append(lines, line)
		}
	}
	return lines, reversed
}

// ReversalLine is the line of one refund reversing rev of the commission,
// or false when rev is zero.
func ReversalLine(p PaymentEvent, partnerID string, r RefundEvent, rev int64) (Line, bool) {
	return reversalLine(p, partnerID, ReversalLineID(r.ID), r, rev)
}

// OverrideReversalLine is ReversalLine for a second-tier override.
func OverrideReversalLine(p PaymentEvent, uplineID string, r RefundEvent, rev int64) (Line, bool) {
	return reversalLine(p, uplineID, OverrideReversalLineID(r.ID), r, rev)
}

func reversalLine(p PaymentEvent, partnerID, id string, r RefundEvent, rev int64) (Line, bool) {
	if rev == 0 {
		return Line{}, false
	}
	return Line{
		ID: id, Kind: KindReversal, PartnerID: partnerID, PaymentID: p.ID, RefundID: r.ID,
		CustomerID: p.CustomerID, Currency: p.Currency, Amount: -rev, At: r.At,
	}, true
}
