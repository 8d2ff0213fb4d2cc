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

// PaymentLines returns the lines a payment makes for partnerID at bps: its
// commission and one reversal per refund applied so far, in order, and the
// total reversed. A zero commission or reversal makes no line.
func PaymentLines(p PaymentEvent, partnerID string, bps int, refunds []RefundEvent) ([]Line, int64) {
	c := Commission(p.Amount, bps)
	if c == 0 {
		return nil, 0
	}
	lines := []Line{{
		ID: CommissionLineID(p.ID), Kind: KindCommission, PartnerID: partnerID, PaymentID: p.ID,
		CustomerID: p.CustomerID, Currency: p.Currency, Amount: c, At: p.At,
	}}
	var refunded, reversed int64
	for _, r := range refunds {
		refunded += r.Amount
		rev := Reversal(c, p.Amount, refunded, reversed)
		reversed += rev
		if line, ok := ReversalLine(p, partnerID, r, rev); ok {
			lines = append(lines, line)
		}
	}
	return lines, reversed
}

// ReversalLine is the line of one refund reversing rev of the commission,
// or false when rev is zero.
func ReversalLine(p PaymentEvent, partnerID string, r RefundEvent, rev int64) (Line, bool) {
	if rev == 0 {
		return Line{}, false
	}
	return Line{
		ID: ReversalLineID(r.ID), Kind: KindReversal, PartnerID: partnerID, PaymentID: p.ID, RefundID: r.ID,
		CustomerID: p.CustomerID, Currency: p.Currency, Amount: -rev, At: r.At,
	}, true
}
