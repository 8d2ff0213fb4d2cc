package billing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"partnerkit/shared/backoff"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/httpapi"
	"partnerkit/shared/ledger"
	"partnerkit/shared/metrics"
	"partnerkit/shared/payments"
	"partnerkit/shared/program"
	"partnerkit/shared/webhook"
)

// Store is what the billing webhook needs of the store.
type Store interface {
	LookupBillingFor(ctx context.Context, endpoint, webhookID, paymentID, refundID, customerID string) (dynamo.BillingLookup, error)
	HeldRefunds(ctx context.Context, paymentID string) ([]payments.Refund, error)
	RecordPayment(ctx context.Context, w dynamo.PaymentWrite) (dynamo.WebhookResponse, error)
	RecordRefund(ctx context.Context, w dynamo.RefundWrite) (dynamo.WebhookResponse, error)
	SaveWebhookResponse(ctx context.Context, r dynamo.WebhookResponse, now time.Time) (dynamo.WebhookResponse, error)
	FirstResponse(ctx context.Context, endpoint, id string) (dynamo.WebhookResponse, bool, error)
	TouchCustomer(ctx context.Context, c payments.Customer, paidAt time.Time) error
	LowerLow(ctx context.Context, bucket string) error
}

var _ Store = (*dynamo.Store)(nil)

// Endpoint names this webhook's idempotency records.
const Endpoint = "billing"

// Handler serves POST /webhooks/billing. It is safe for concurrent use.
type Handler struct {
	Store    Store
	Verifier *webhook.Verifier
	// Settings are the program's commission rules, cached.
	Settings *program.Cache
	Now      func() time.Time
	Log      *slog.Logger
}

// Handle answers one delivery; errors become the contract's JSON.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	w, err := h.handle(ctx, &req)
	if err != nil {
		return httpapi.ErrorResponse(ctx, h.Log, err), nil
	}
	return webhook.Reply(w.Status, w.Body), nil
}

// Recorded is the billing webhook's answer.
type Recorded struct {
	PaymentID string `json:"payment_id"`
	RefundID  string `json:"refund_id,omitempty"`
	Recorded  bool   `json:"recorded"`
}

func (h *Handler) handle(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (dynamo.WebhookResponse, error) {
	id, body, err := h.Verifier.Open(req)
	if err != nil {
		return dynamo.WebhookResponse{}, err
	}
	hash := dynamo.BodyHash(body)
	ev, err := Decode(body, h.Now())
	if err != nil {
		// A webhook-id already answered is judged by its first body, not
		// by this one's parse; only refused bodies pay for this read.
		if w, ok, lerr := h.Store.FirstResponse(ctx, Endpoint, id); lerr != nil || ok {
			return replay(id, hash, w, lerr)
		}
		return dynamo.WebhookResponse{}, err
	}
	rec := Recorder{Store: h.Store, Settings: h.Settings, Now: h.Now, Log: h.Log}
	w, err := rec.Record(ctx, dynamo.WebhookResponse{Endpoint: Endpoint, ID: id, BodyHash: hash}, ev)
	if err != nil {
		return dynamo.WebhookResponse{}, err
	}
	return replay(id, hash, w, nil)
}

// Recorder turns a checked payment or refund into its records and ledger
// lines: the one path of every webhook that reports payments (this one
// and Stripe's), so they earn alike. It is safe for concurrent use.
type Recorder struct {
	Store Store
	// Settings are the program's commission rules, cached; a write made
	// under a version an admin replaced meanwhile is decided again.
	Settings *program.Cache
	Now      func() time.Time
	Log      *slog.Logger
}

// Record records ev once and returns the response kept for the delivery
// that key names (its Endpoint, ID and BodyHash): that delivery's first
// response if it was handled before, else {"payment_id","recorded":true}.
// Writes lost to concurrent ones are retried within ctx.
func (h *Recorder) Record(ctx context.Context, key dynamo.WebhookResponse, ev Event) (dynamo.WebhookResponse, error) {
	out, err := json.Marshal(Recorded{PaymentID: ev.PaymentID, RefundID: ev.RefundID, Recorded: true})
	if err != nil {
		return dynamo.WebhookResponse{}, err
	}
	resp := key
	resp.Status, resp.Body = http.StatusOK, string(out)
	// floor is the earliest period a new line may go to; it rises when a
	// write finds its period closing.
	floor := ""
	for attempt := 0; ; attempt++ {
		var w dynamo.WebhookResponse
		if ev.RefundID == "" {
			w, err = h.payment(ctx, ev, resp, floor)
		} else {
			w, err = h.refund(ctx, ev, resp, floor)
		}
		var closing periodClosing
		switch {
		case err == nil, errors.Is(err, dynamo.ErrWebhookReplayed):
			return w, nil
		case errors.As(err, &closing):
			floor = closing.next
		case errors.Is(err, dynamo.ErrStaleProgram):
			// An admin saved new settings: read them on the next try.
			h.Settings.Forget()
		case errors.Is(err, dynamo.ErrPaymentChanged):
		default:
			return dynamo.WebhookResponse{}, err
		}
		// Lost a race on the payment or the settings: wait a jittered
		// while, within the request's deadline, or answer 429 so the sender
		// retries later.
		if err := backoff.Default.Wait(ctx, attempt); err != nil {
			return dynamo.WebhookResponse{}, fmt.Errorf("billing: recording %s: %w", ev.PaymentID, err)
		}
	}
}

// replay passes on w, the response stored under id, unless it was stored
// for another body than the one hashing to hash. Every response this
// delivery saves carries its hash, so only another delivery's is refused.
func replay(id string, hash []byte, w dynamo.WebhookResponse, err error) (dynamo.WebhookResponse, error) {
	if err == nil && !w.Answers(hash) {
		return dynamo.WebhookResponse{}, webhook.Reused(id)
	}
	return w, err
}

// periodClosing carries the period after the one that began closing.
type periodClosing struct{ next string }

func (periodClosing) Error() string { return "billing: period closing" }

// openFloor is the first period lines may go to: after the last closed
// one, and not below floor.
func openFloor(lastClosed, floor string) string {
	f := ""
	if last, err := ledger.ParsePeriod(lastClosed); err == nil {
		f = last.Next().String()
	}
	if floor > f {
		f = floor
	}
	return f
}

// bucket is the period whose statement takes a line timed at.
func bucket(at time.Time, floor string) string {
	own := ledger.PeriodOf(at).String()
	if own < floor {
		return floor
	}
	return own
}

// record makes sure the next close sweeps bucket: the ledger keeps the
// earliest bucket that may hold open lines, and only a line earlier than
// all before it moves that mark.
func (h *Recorder) record(ctx context.Context, lg ledger.State, bucket string) error {
	if lg.Low != "" && lg.Low <= bucket {
		return nil
	}
	return h.Store.LowerLow(ctx, bucket)
}

func closingAfter(period string) periodClosing {
	p, _ := ledger.ParsePeriod(period)
	return periodClosing{next: p.Next().String()}
}

func (h *Recorder) payment(ctx context.Context, ev Event, resp dynamo.WebhookResponse, floor string) (dynamo.WebhookResponse, error) {
	lk, err := h.Store.LookupBillingFor(ctx, resp.Endpoint, resp.ID, ev.PaymentID, "", ev.CustomerID)
	if err != nil {
		return dynamo.WebhookResponse{}, err
	}
	if lk.Replay != nil {
		return *lk.Replay, nil
	}
	prev := lk.Payment
	if prev != nil && prev.State != payments.PaymentAwaiting {
		if prev.CustomerID != ev.CustomerID || prev.Amount != ev.Amount || prev.Currency != ev.Currency || prev.PaidAt != ev.At.UnixMilli() {
			return dynamo.WebhookResponse{}, httpapi.Errorf(httpapi.CodeConflict, "Payment %q was already recorded with different data.", ev.PaymentID)
		}
		return h.Store.SaveWebhookResponse(ctx, resp, h.Now())
	}
	settings, err := h.Settings.Current(ctx)
	if err != nil {
		return dynamo.WebhookResponse{}, err
	}
	p := payments.Payment{ID: ev.PaymentID, CustomerID: ev.CustomerID, Currency: ev.Currency, Amount: ev.Amount, PaidAt: ev.At.UnixMilli(),
		Plan: ev.Plan, Version: 1}
	w := dynamo.PaymentWrite{Previous: prev, Response: resp, Now: h.Now()}

	// Refunds that arrived before the payment apply now, in arrival
	// order, up to its amount; the rest are kept as rejected.
	if prev != nil {
		p.Version = prev.Version + 1
		held, err := h.Store.HeldRefunds(ctx, ev.PaymentID)
		if err != nil {
			return dynamo.WebhookResponse{}, err
		}
		w.Held = p.ApplyHeld(held)
	}

	floor = openFloor(lk.Ledger.LastClosed, floor)
	own := ledger.PeriodOf(ev.At).String()
	if lk.Customer == nil && own >= floor {
		// No signup yet: it may still come before this payment's period
		// closes, which decides then, under the settings in force now.
		p.State, p.RuleVersion = payments.PaymentPending, settings.Version
	} else if w.Lines = p.Decide(lk.Customer, settings); p.State == payments.PaymentAttributed {
		p.LinkID, p.Sid = lk.Customer.Decision.LinkID, lk.Customer.Decision.Sid
		// A held commission goes to the statement of the period it
		// becomes due in, with the reversals of refunds inside the hold.
		w.Bucket, w.Customer = bucket(p.Due(p.PaidAt), floor), lk.Customer
	}
	w.Payment = p
	switch {
	case len(w.Lines) > 0:
		err = h.record(ctx, lk.Ledger, w.Bucket)
	case p.State == payments.PaymentPending:
		err = h.record(ctx, lk.Ledger, own)
	}
	if err != nil {
		return dynamo.WebhookResponse{}, err
	}
	out, err := h.Store.RecordPayment(ctx, w)
	if errors.Is(err, dynamo.ErrPeriodClosing) {
		if p.State == payments.PaymentPending {
			return out, closingAfter(own)
		}
		return out, closingAfter(w.Bucket)
	}
	if err != nil {
		return out, err
	}
	if p.State == payments.PaymentAttributed {
		metrics.Count(metrics.CommissionsRecorded, 1)
		// Best effort: the count of paying customers is a statistic.
		if err := h.Store.TouchCustomer(ctx, *lk.Customer, ev.At); err != nil {
			h.Log.WarnContext(ctx, "customer payment time not updated", "error", err.Error())
		}
	}
	return out, nil
}

func (h *Recorder) refund(ctx context.Context, ev Event, resp dynamo.WebhookResponse, floor string) (dynamo.WebhookResponse, error) {
	lk, err := h.Store.LookupBillingFor(ctx, resp.Endpoint, resp.ID, ev.PaymentID, ev.RefundID, "")
	if err != nil {
		return dynamo.WebhookResponse{}, err
	}
	if lk.Replay != nil {
		return *lk.Replay, nil
	}
	if r := lk.Refund; r != nil {
		// A capped refund may have been kept smaller than it was sent.
		sameAmount := r.Amount == ev.Amount || (ev.Capped && r.Amount < ev.Amount)
		if r.PaymentID != ev.PaymentID || !sameAmount || r.RefundedAt != ev.At.UnixMilli() {
			return dynamo.WebhookResponse{}, httpapi.Errorf(httpapi.CodeConflict, "Refund %q was already recorded with different data.", ev.RefundID)
		}
		return h.Store.SaveWebhookResponse(ctx, resp, h.Now())
	}
	now := h.Now()
	r := payments.Refund{ID: ev.RefundID, PaymentID: ev.PaymentID, Amount: ev.Amount, RefundedAt: ev.At.UnixMilli(), ArrivedAt: now.UnixMilli()}
	w := dynamo.RefundWrite{Refund: r, Previous: lk.Payment, Response: resp, Now: now}
	if lk.Payment == nil || lk.Payment.State == payments.PaymentAwaiting {
		// The payment has not arrived: hold the refund until it does.
		w.Refund.State = payments.RefundHeld
		out, err := h.Store.RecordRefund(ctx, w)
		if err == nil {
			metrics.Count(metrics.RefundsRecorded, 1)
		}
		if errors.Is(err, dynamo.ErrTooManyHeld) {
			return out, httpapi.Errorf(httpapi.CodeInvalidRequest, "Too many refunds are held for payment %q, which has not arrived.", ev.PaymentID)
		}
		return out, err
	}
	p := *lk.Payment
	for _, applied := range p.Refunds {
		if applied.ID == ev.RefundID {
			// Applied by a concurrent delivery between the reads of the
			// refund and of its payment: read both again.
			return dynamo.WebhookResponse{}, dynamo.ErrPaymentChanged
		}
	}
	if left := p.Amount - p.Refunded; ev.Capped && ev.Amount > left {
		ev.Amount, r.Amount, w.Refund.Amount = left, left, left
	}
	if p.Refunded+ev.Amount > p.Amount {
		return dynamo.WebhookResponse{}, httpapi.Errorf(httpapi.CodeInvalidRequest,
			"Refunds of payment %q would add up to %d, more than its amount %d.", ev.PaymentID, p.Refunded+ev.Amount, p.Amount)
	}
	w.Refund.State = payments.RefundApplied
	if w.Lines = p.Refund(ledger.RefundEvent{ID: r.ID, Amount: r.Amount, At: r.RefundedAt}); len(w.Lines) > 0 {
		// A refund inside the hold nets out in the statement its
		// commission is due in; a later one goes to its own period's.
		w.Bucket = bucket(p.Due(r.RefundedAt), openFloor(lk.Ledger.LastClosed, floor))
		if err := h.record(ctx, lk.Ledger, w.Bucket); err != nil {
			return dynamo.WebhookResponse{}, err
		}
	}
	w.Payment = &p
	out, err := h.Store.RecordRefund(ctx, w)
	if errors.Is(err, dynamo.ErrPeriodClosing) {
		return out, closingAfter(w.Bucket)
	}
	if err == nil {
		metrics.Count(metrics.RefundsRecorded, 1)
	}
	return out, err
}
