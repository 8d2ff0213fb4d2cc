package payments

import (
	"time"

	"partnerkit/shared/attribution"
	"partnerkit/shared/ledger"
	"partnerkit/shared/program"
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
	// Plan is the plan key the billing event named ("" when none).
	Plan string
	// RuleVersion is the settings version the payment was decided (or,
	// while pending, recorded) under; Number its place among the
	// customer's earning payments; DueAt when its lines become payable
	// (PaidAt plus the hold).
	RuleVersion int
	Number      int
	DueAt       int64
	Commission  int64
	Refunded    int64
	Reversed    int64
	// Upline earns Override, a second-tier share of Commission, of which
	// OverrideReversed was reversed so far.
	Upline           string
	Override         int64
	OverrideReversed int64
	Refunds          []ledger.RefundEvent // applied, in order
	HeldCount        int
	Version          int64
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
	// Pays counts the customer's earning payments so far; Earned sums
	// their commissions per currency (for a rule's cap).
	Pays   int
	Earned map[string]int64
	// Upline is the partner who recruited the customer's partner, for the
	// second tier ("" when none).
	Upline string
}

// Decide settles a payment whose customer is c (nil when unknown) under
// the settings s: the one answer to "does this payment earn, how much, and
// for whom?", for the billing webhook and for the monthly run alike. It
// earns for the partner c is attributed to while s's rule for its plan
// lasts, plus the second tier for c's upline; otherwise it earns nothing.
// It returns the lines the payment makes, reversals of refunds applied so
// far included.
func (p *Payment) Decide(c *Customer, s program.Settings) []ledger.Line {
	p.RuleVersion = s.Version
	if c == nil || !c.Decision.Attributed {
		p.State = PaymentUnattributed
		return nil
	}
	number := c.Pays + 1
	comm, basis, ok := s.Commission(program.Payment{
		Plan: p.Plan, Currency: p.Currency, Amount: p.Amount, Number: number,
		SignedUp: c.CreatedAt, PaidAt: time.UnixMilli(p.PaidAt), EarnedSoFar: c.Earned[p.Currency],
	})
	if !ok {
		p.State = PaymentUnattributed
		return nil
	}
	p.State, p.PartnerID, p.Number = PaymentAttributed, c.Decision.PartnerID, number
	p.DueAt = p.PaidAt + int64(s.HoldDays)*24*int64(time.Hour/time.Millisecond)
	p.Commission = comm
	lines, reversed := ledger.PaymentLines(p.Event(), p.PartnerID, comm, &basis, p.Refunds)
	p.Reversed = reversed
	if up := s.TierPartner(c.Upline, p.PartnerID); up != "" {
		p.Upline, p.Override = up, ledger.Commission(comm, s.SecondTier.BPS)
		ob := &ledger.Basis{Version: s.Version, BPS: s.SecondTier.BPS, Base: comm, Of: p.PartnerID}
		var ol []ledger.Line
		ol, p.OverrideReversed = ledger.OverrideLines(p.Event(), up, p.Override, ob, p.Refunds)
		lines = append(lines, ol...)
	}
	return lines
}

// Due is when a line of p timed at (Unix milliseconds) becomes payable:
// the commission when its hold ends, a refund's reversal then too if the
// refund came inside the hold (so it nets out before anything is paid),
// else at its own time. The line goes to the statement of that period.
func (p Payment) Due(at int64) time.Time {
	return time.UnixMilli(max(at, p.DueAt))
}

// Refund applies refund r to an attributed or unsettled payment and
// returns the lines it makes: the reversal of the commission and of the
// second tier, each rounded so that a full refund reverses exactly what
// was earned.
func (p *Payment) Refund(r ledger.RefundEvent) []ledger.Line {
	p.Refunded += r.Amount
	p.Refunds = append(append([]ledger.RefundEvent(nil), p.Refunds...), r)
	p.Version++
	if p.State != PaymentAttributed {
		return nil
	}
	var lines []ledger.Line
	rev := ledger.Reversal(p.Commission, p.Amount, p.Refunded, p.Reversed)
	p.Reversed += rev
	if l, ok := ledger.ReversalLine(p.Event(), p.PartnerID, r, rev); ok {
		lines = append(lines, l)
	}
	if p.Upline != "" {
		orev := ledger.Reversal(p.Override, p.Amount, p.Refunded, p.OverrideReversed)
		p.OverrideReversed += orev
		if l, ok := ledger.OverrideReversalLine(p.Event(), p.Upline, r, orev); ok {
			lines = append(lines, l)
		}
	}
	return lines
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
