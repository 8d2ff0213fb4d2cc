package stripehook

import (
	"context"
	"errors"
	"time"

	"github.com/stripe/stripe-go/v82"

	"partnerkit/shared/billing"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/fault"
	"partnerkit/shared/payments"
	"partnerkit/shared/webhook"
)

// Backfill is the event that asks for a backfill, invoked directly
// (aws lambda invoke, or POST /_local/invoke/StripeFunction locally):
// {"backfill":{"from":"2026-01-01T00:00:00Z","to":"2026-02-01T00:00:00Z"}}
// (to defaults to now).
type Backfill struct {
	From string `json:"from"`
	To   string `json:"to,omitempty"`
}

// BackfillResult says what a backfill read and recorded.
type BackfillResult struct {
	From     string         `json:"from"`
	To       string         `json:"to"`
	Read     int            `json:"read"`     // invoices, refunds and disputes read
	Recorded int            `json:"recorded"` // records the webhooks had missed
	Skipped  map[string]int `json:"skipped"`  // by reason, as the webhook would have
	// Complete is false when the function's time ran out first; the range
	// then needs backfilling again (what was recorded stays), in parts.
	Complete bool `json:"complete"`
}

// backfillMargin is the time kept back from the function's deadline to
// answer with what was done.
const backfillMargin = 3 * time.Second

// Backfill reads the paid invoices, refunds and lost disputes created in
// [from, to) from Stripe's API and records those the webhooks missed,
// exactly as their webhooks would have. What is recorded already is only
// read: a second backfill writes nothing.
func (h *Handler) Backfill(ctx context.Context, req Backfill) (BackfillResult, error) {
	now := h.Now()
	from, ok := webhook.ParseTime(req.From)
	if !ok {
		return BackfillResult{}, fault.Invalid("backfill.from must be an RFC 3339 time.")
	}
	to := now
	if req.To != "" {
		if to, ok = webhook.ParseTime(req.To); !ok {
			return BackfillResult{}, fault.Invalid("backfill.to must be an RFC 3339 time.")
		}
	}
	if !from.Before(to) {
		return BackfillResult{}, fault.Invalid("backfill.from must be before backfill.to.")
	}
	if h.API == nil {
		return BackfillResult{}, fault.Invalid("A backfill reads Stripe's API: set STRIPE_API_KEY.")
	}
	res := BackfillResult{From: from.UTC().Format(time.RFC3339), To: to.UTC().Format(time.RFC3339), Skipped: map[string]int{}}
	stop := errors.New("deadline")
	step := func(ev billing.Event, err error) error {
		res.Read++
		if r := reason(err); r != "" {
			res.Skipped[r]++
			return nil
		}
		if err != nil {
			return err
		}
		if d, ok := ctx.Deadline(); ok && time.Until(d) < backfillMargin {
			return stop
		}
		recorded, err := h.backfillOne(ctx, ev, now)
		if recorded {
			res.Recorded++
		}
		return err
	}
	// Invoices first, so refunds of invoices in the range apply at once.
	err := each(h.API.PaidInvoices(ctx, from, to), func(inv *stripe.Invoice) error {
		return step(invoicePayment(inv, now))
	})
	if err == nil {
		err = each(h.API.Refunds(ctx, from, to), func(r *stripe.Refund) error {
			return step(h.refund(ctx, r, nil, now))
		})
	}
	if err == nil {
		err = each(h.API.Disputes(ctx, from, to), func(d *stripe.Dispute) error {
			if d.Status != stripe.DisputeStatusLost {
				return nil // open or won: nothing to reverse, and not counted
			}
			return step(h.dispute(ctx, d, now))
		})
	}
	if errors.Is(err, stop) {
		return res, nil
	}
	res.Complete = err == nil
	return res, err
}

func each[T any](seq stripe.Seq2[T, error], fn func(T) error) error {
	for v, err := range seq {
		if err != nil {
			return err
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return nil
}

// backfillOne records ev unless its payment or refund is recorded
// already, and reports whether it recorded it. Its idempotency key is
// the payment's or refund's own id, so a backfill that stopped half way
// and runs again goes on where it stopped.
func (h *Handler) backfillOne(ctx context.Context, ev billing.Event, now time.Time) (bool, error) {
	lk, err := h.Store.LookupBillingFor(ctx, Endpoint, "", ev.PaymentID, ev.RefundID, "")
	if err != nil {
		return false, err
	}
	if ev.RefundID == "" && lk.Payment != nil && lk.Payment.State != payments.PaymentAwaiting || ev.RefundID != "" && lk.Refund != nil {
		return false, nil
	}
	key := dynamo.WebhookResponse{Endpoint: Endpoint, ID: "backfill." + ev.PaymentID}
	if ev.RefundID != "" {
		key.ID = "backfill." + ev.RefundID
	}
	w, err := h.record(ctx, key, action{money: &ev}, now)
	if err != nil {
		return false, err
	}
	return w.ID != "", nil
}
