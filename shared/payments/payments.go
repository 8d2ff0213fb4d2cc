package payments

import (
	"time"

	"partnerkit/shared/attribution"
	"partnerkit/shared/ledger"
)

// Payment states.
const (
	PaymentAwaiting     = "awaiting"     // only refunds held for it so far
	PaymentAttributed   = "attributed"   // earns for PartnerID
	PaymentPending      = "pending"      // no attribution yet: decided when its period closes
	PaymentUnattributed = "unattributed" // earns nothing
)

// Refund states.
const (
	RefundApplied  = "applied"
	RefundHeld     = "held"     // its payment has not arrived
	RefundRejected = "rejected" // held, then over its payment's amount
)

// Payment is a recorded payment.
type Payment struct {
	ID         string
	CustomerID string
	Currency   string
	Amount     int64
	PaidAt     int64 // Unix milliseconds
	State      string
	PartnerID  string // when attributed
	LinkID     string // the customer's promo link and sub-id, when attributed
	Sid        string
	Commission int64
	Refunded   int64
	Reversed   int64
	Refunds    []ledger.RefundEvent // applied, in order
	HeldCount  int
	Version    int64
}

// Event returns the payment as the ledger sees it.
func (p Payment) Event() ledger.PaymentEvent {
	return ledger.PaymentEvent{ID: p.ID, CustomerID: p.CustomerID, Currency: p.Currency, Amount: p.Amount, At: p.PaidAt}
}

// Refund is a recorded refund.
type Refund struct {
	ID         string
	PaymentID  string
	Amount     int64
	RefundedAt int64 // Unix milliseconds
	State      string
	ArrivedAt  int64 // Unix milliseconds; held refunds apply in arrival order
}

// Customer is a customer's attribution with its signup time.
type Customer struct {
	Decision  attribution.Decision
	CreatedAt time.Time
	// LastPaidAt is the customer's latest payment counted so far (zero
	// before the first).
	LastPaidAt time.Time
}

// Earner is the one answer to "does this payment earn, and for whom?": a
// payment at paidAt earns for the partner its customer is attributed to,
// while it is within months of the customer's signup (0: no limit). A
// customer not known yet (nil) or not attributed earns nothing.
func Earner(c *Customer, paidAt time.Time, months int) (partnerID string, ok bool) {
	if c == nil || !c.Decision.Attributed || !ledger.Earns(c.CreatedAt, paidAt, months) {
		return "", false
	}
	return c.Decision.PartnerID, true
}

// Earn attributes p to partnerID at bps and returns its lines: the
// commission and a reversal for each refund applied so far.
func (p *Payment) Earn(partnerID string, bps int) []ledger.Line {
	p.State, p.PartnerID = PaymentAttributed, partnerID
	p.Commission = ledger.Commission(p.Amount, bps)
	var lines []ledger.Line
	lines, p.Reversed = ledger.PaymentLines(p.Event(), p.PartnerID, bps, p.Refunds)
	return lines
}

// Decide settles a payment whose customer is c (nil when unknown): it
// earns for c's partner when Earner says so, else nothing. It returns the
// lines the payment makes.
func (p *Payment) Decide(c *Customer, bps, months int) []ledger.Line {
	partnerID, ok := Earner(c, time.UnixMilli(p.PaidAt), months)
	if !ok {
		p.State = PaymentUnattributed
		return nil
	}
	return p.Earn(partnerID, bps)
}

// ApplyHeld applies refunds that arrived before p, in arrival order, up to
// its amount; the rest are rejected. It returns every refund with its new
// state.
func (p *Payment) ApplyHeld(held []Refund) []Refund {
	out := make([]Refund, 0, len(held))
	for _, r := range held {
		if p.Refunded+r.Amount <= p.Amount {
			r.State = RefundApplied
			p.Refunded += r.Amount
			p.Refunds = append(p.Refunds, ledger.RefundEvent{ID: r.ID, Amount: r.Amount, At: r.RefundedAt})
		} else {
			r.State = RefundRejected
		}
		out = append(out, r)
	}
	return out
}
