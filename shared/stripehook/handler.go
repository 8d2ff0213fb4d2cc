package stripehook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"partnerkit/shared/billing"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/fault"
	"partnerkit/shared/httpapi"
	"partnerkit/shared/metrics"
	"partnerkit/shared/signup"
)

// Endpoint names the Stripe endpoint's idempotency records, kept under
// Stripe's event ids.
const Endpoint = "stripe"

// Tolerance is how old a Stripe-Signature timestamp may be.
const Tolerance = 5 * time.Minute

// Store is what the Stripe endpoint needs of the store: what the two
// recorders need, which includes reading a delivery's first response.
type Store interface {
	signup.Store
	billing.Store
}

var _ Store = (*dynamo.Store)(nil)

// Handler serves POST /webhooks/stripe and the backfill. It is safe for
// concurrent use.
type Handler struct {
	Store Store
	// Secrets are the endpoint's whsec_ signing secrets, each used whole
	// as Stripe uses it; several while one is rolled.
	Secrets []string
	// API reads what events do not carry; nil without STRIPE_API_KEY.
	API API
	// Live is the mode of STRIPE_API_KEY (live or test); nil when no key
	// is set, and then events of both modes are taken.
	Live    *bool
	Signups *signup.Recorder
	Billing *billing.Recorder
	Now     func() time.Time
	Log     *slog.Logger
}

// Outcome is the answer to a Stripe event that recorded nothing.
type Outcome struct {
	Received bool   `json:"received"`
	Ignored  string `json:"ignored,omitempty"`
	Records  int    `json:"records,omitempty"`
}

// errSignature is every refused Stripe-Signature; callers learn no more.
var errSignature = errors.New("stripehook: invalid signature")

// Handle answers one delivery; errors become the contract's JSON, with
// 400 for a refused signature (section 10, as Stripe's own examples do).
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	resp, err := h.handle(ctx, &req)
	if errors.Is(err, errSignature) {
		metrics.CountBy(metrics.WebhooksRefused, metrics.Reason, fault.CodeInvalidSignature, 1)
		return httpapi.JSON(http.StatusBadRequest, map[string]any{"error": map[string]string{
			"code": fault.CodeInvalidSignature, "message": "The Stripe-Signature header is missing, invalid or more than 5 minutes old.",
		}}), nil
	}
	if err != nil {
		return httpapi.ErrorResponse(ctx, h.Log, err), nil
	}
	return resp, nil
}

// verify checks body against every secret and returns the event it holds.
func (h *Handler) verify(body []byte, header string) (stripe.Event, error) {
	opts := webhook.ConstructEventOptions{Tolerance: Tolerance, IgnoreAPIVersionMismatch: true}
	for _, secret := range h.Secrets {
		ev, err := webhook.ConstructEventWithOptions(body, header, secret, opts)
		switch {
		case err == nil:
			return ev, nil
		case errors.Is(err, webhook.ErrNoValidSignature):
			continue // perhaps signed with the next secret
		case errors.Is(err, webhook.ErrNotSigned), errors.Is(err, webhook.ErrInvalidHeader), errors.Is(err, webhook.ErrTooOld):
			return stripe.Event{}, errSignature
		default:
			// Signed, but not an event.
			return stripe.Event{}, fault.Invalid("The body is not a Stripe event.")
		}
	}
	return stripe.Event{}, errSignature
}

// releaseTrain is the part of an API version after the date ("basil"):
// objects keep their shape within one.
func releaseTrain(v string) string {
	_, train, _ := strings.Cut(v, ".")
	return train
}

func (h *Handler) handle(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	body, err := httpapi.Body(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	ev, err := h.verify(body, req.Headers["stripe-signature"])
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if ev.ID == "" || len(ev.ID) > 255 || ev.Data == nil {
		return events.APIGatewayV2HTTPResponse{}, fault.Invalid("The body is not a Stripe event.")
	}
	if h.Live != nil && ev.Livemode != *h.Live {
		// A test-mode key cannot read live objects, nor the other way
		// round: the endpoint and the key belong to different modes.
		return events.APIGatewayV2HTTPResponse{}, fault.Invalid(
			"Event %s is from %s mode, but STRIPE_API_KEY is a %s mode key.", ev.ID, mode(ev.Livemode), mode(*h.Live))
	}
	if !used(ev.Type) {
		return reply(Outcome{Received: true, Ignored: skipUnknownEvent}), nil
	}
	if releaseTrain(ev.APIVersion) != releaseTrain(stripe.APIVersion) {
		return events.APIGatewayV2HTTPResponse{}, fault.Invalid(
			"Event %s is of API version %q; set the webhook endpoint's API version to %s.", ev.ID, ev.APIVersion, stripe.APIVersion)
	}
	// Stripe's event id is the idempotency key. Redeliveries of one event
	// differ in pending_webhooks, so bodies are not compared: the
	// signature already says the event is Stripe's.
	if w, seen, err := h.Store.FirstResponse(ctx, Endpoint, ev.ID); err != nil || seen {
		return events.APIGatewayV2HTTPResponse{StatusCode: w.Status, Body: w.Body, Headers: jsonHeaders()}, err
	}
	now := h.Now()
	acts, err := h.actions(ctx, &ev, now)
	if r := reason(err); r != "" {
		h.Log.InfoContext(ctx, "stripe event records nothing", "event", ev.ID, "type", string(ev.Type), "reason", r)
		return reply(Outcome{Received: true, Ignored: r}), nil
	}
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	key := dynamo.WebhookResponse{Endpoint: Endpoint, ID: ev.ID, BodyHash: dynamo.BodyHash(body)}
	if len(acts) == 1 {
		w, err := h.record(ctx, key, acts[0], now)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		return events.APIGatewayV2HTTPResponse{StatusCode: w.Status, Body: w.Body, Headers: jsonHeaders()}, nil
	}
	// Several records (a charge's refunds): each under its own key, then
	// the event's, so a redelivery after a failure redoes only the rest.
	for _, a := range acts {
		sub := key
		sub.ID = ev.ID + "." + a.id()
		if _, err := h.record(ctx, sub, a, now); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
	}
	out, _ := json.Marshal(Outcome{Received: true, Records: len(acts)})
	key.Status, key.Body = http.StatusOK, string(out)
	w, err := h.Store.SaveWebhookResponse(ctx, key, now)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: w.Status, Body: w.Body, Headers: jsonHeaders()}, nil
}

// record hands one action to its recorder. Refusals a retry cannot change
// (a payment id already recorded with other data, too many refunds held)
// are logged and answered 200, so Stripe stops retrying; retryable
// failures pass on, so Stripe retries.
func (h *Handler) record(ctx context.Context, key dynamo.WebhookResponse, a action, now time.Time) (dynamo.WebhookResponse, error) {
	var w dynamo.WebhookResponse
	var err error
	if a.signup != nil {
		w, err = h.Signups.Record(ctx, key, *a.signup, now)
	} else {
		w, err = h.Billing.Record(ctx, key, *a.money)
	}
	var fe *fault.Error
	if errors.As(err, &fe) {
		h.Log.ErrorContext(ctx, "stripe event refused", "event", key.ID, "code", fe.Code, "error", fe.Message)
		metrics.CountBy(metrics.WebhooksRefused, metrics.Reason, fe.Code, 1)
		out, _ := json.Marshal(Outcome{Received: true, Ignored: fe.Code})
		return dynamo.WebhookResponse{Status: http.StatusOK, Body: string(out)}, nil
	}
	return w, err
}

func mode(live bool) string {
	if live {
		return "live"
	}
	return "test"
}

func jsonHeaders() map[string]string {
	return map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"}
}

func reply(o Outcome) events.APIGatewayV2HTTPResponse { return httpapi.JSON(http.StatusOK, o) }

// Event types this endpoint uses; the README lists them to enable.
const (
	EventCheckoutCompleted = "checkout.session.completed"
	EventCustomerCreated   = "customer.created"
	EventCustomerUpdated   = "customer.updated"
	EventInvoicePaid       = "invoice.paid"
	EventChargeRefunded    = "charge.refunded"
	EventRefundCreated     = "refund.created"
	EventRefundUpdated     = "refund.updated"
	EventDisputeClosed     = "charge.dispute.closed"
)

func used(t stripe.EventType) bool {
	switch t {
	case EventCheckoutCompleted, EventCustomerCreated, EventCustomerUpdated, EventInvoicePaid,
		EventChargeRefunded, EventRefundCreated, EventRefundUpdated, EventDisputeClosed:
		return true
	}
	return false
}

// action is one record an event makes: a signup or a payment or refund.
type action struct {
	signup *signup.Event
	money  *billing.Event
}

// id names the action within its event.
func (a action) id() string {
	if a.signup != nil {
		return a.signup.CustomerID
	}
	if a.money.RefundID != "" {
		return a.money.RefundID
	}
	return a.money.PaymentID
}

func decode[T any](ev *stripe.Event) (*T, error) {
	v := new(T)
	if err := json.Unmarshal(ev.Data.Raw, v); err != nil {
		return nil, fault.Invalid("The object of event %s is not a Stripe %s.", ev.ID, ev.Type)
	}
	return v, nil
}

// actions maps an event to what it records, reading Stripe's API where
// the event does not say which invoice money went back on.
func (h *Handler) actions(ctx context.Context, ev *stripe.Event, now time.Time) ([]action, error) {
	switch ev.Type {
	case EventCheckoutCompleted:
		s, err := decode[stripe.CheckoutSession](ev)
		if err != nil {
			return nil, err
		}
		su, err := checkoutSignup(s, now)
		return one(action{signup: &su}, err)
	case EventCustomerCreated, EventCustomerUpdated:
		c, err := decode[stripe.Customer](ev)
		if err != nil {
			return nil, err
		}
		su, err := customerSignup(c, now)
		return one(action{signup: &su}, err)
	case EventInvoicePaid:
		inv, err := decode[stripe.Invoice](ev)
		if err != nil {
			return nil, err
		}
		p, err := invoicePayment(inv, now)
		return one(action{money: &p}, err)
	case EventRefundCreated, EventRefundUpdated:
		r, err := decode[stripe.Refund](ev)
		if err != nil {
			return nil, err
		}
		m, err := h.refund(ctx, r, nil, now)
		return one(action{money: &m}, err)
	case EventChargeRefunded:
		ch, err := decode[stripe.Charge](ev)
		if err != nil {
			return nil, err
		}
		return h.chargeRefunds(ctx, ch, now)
	case EventDisputeClosed:
		d, err := decode[stripe.Dispute](ev)
		if err != nil {
			return nil, err
		}
		m, err := h.dispute(ctx, d, now)
		return one(action{money: &m}, err)
	}
	return nil, skip(skipUnknownEvent)
}

func one(a action, err error) ([]action, error) {
	if err != nil {
		return nil, err
	}
	return []action{a}, nil
}

// invoiceOf finds the paid invoice a payment intent paid.
func (h *Handler) invoiceOf(ctx context.Context, pi string) (*stripe.Invoice, error) {
	if pi == "" {
		return nil, skip(skipNoInvoice)
	}
	if h.API == nil {
		return nil, skip(skipNoAPIKey)
	}
	inv, err := h.API.PaidInvoiceOf(ctx, pi)
	if err != nil {
		return nil, fmt.Errorf("stripehook: finding the invoice of %s: %w", pi, err)
	}
	if inv == nil {
		return nil, skip(skipNoInvoice)
	}
	return inv, nil
}

// refund maps a succeeded refund; inv is its invoice when known.
func (h *Handler) refund(ctx context.Context, r *stripe.Refund, inv *stripe.Invoice, now time.Time) (billing.Event, error) {
	if r.Status != stripe.RefundStatusSucceeded {
		return billing.Event{}, skip(skipNotPaid)
	}
	if inv == nil {
		var err error
		if inv, err = h.invoiceOf(ctx, paymentIntentOf(r.PaymentIntent, r.Charge)); err != nil {
			return billing.Event{}, err
		}
	}
	return invoiceRefund(r.ID, string(r.Currency), r.Amount, r.Created, inv, now)
}

// dispute maps a lost dispute: the disputed amount left when it was
// opened, so its time is the dispute's creation.
func (h *Handler) dispute(ctx context.Context, d *stripe.Dispute, now time.Time) (billing.Event, error) {
	if d.Status != stripe.DisputeStatusLost {
		return billing.Event{}, skip(skipNotPaid)
	}
	inv, err := h.invoiceOf(ctx, paymentIntentOf(d.PaymentIntent, d.Charge))
	if err != nil {
		return billing.Event{}, err
	}
	return invoiceRefund(d.ID, string(d.Currency), d.Amount, d.Created, inv, now)
}

// chargeRefunds maps each succeeded refund of a charge: Stripe reports
// the charge's running total, partnerkit one record per refund.
func (h *Handler) chargeRefunds(ctx context.Context, ch *stripe.Charge, now time.Time) ([]action, error) {
	inv, err := h.invoiceOf(ctx, paymentIntentOf(ch.PaymentIntent, nil))
	if err != nil {
		return nil, err
	}
	// Since API version 2022-11-15 charges do not carry their refunds.
	var refunds []*stripe.Refund
	if ch.Refunds != nil && !ch.Refunds.HasMore && len(ch.Refunds.Data) > 0 {
		refunds = ch.Refunds.Data
	} else if refunds, err = h.API.ChargeRefunds(ctx, ch.ID); err != nil {
		return nil, fmt.Errorf("stripehook: listing the refunds of %s: %w", ch.ID, err)
	}
	var acts []action
	for _, r := range refunds {
		m, err := h.refund(ctx, r, inv, now)
		if reason(err) != "" {
			continue
		}
		if err != nil {
			return nil, err
		}
		acts = append(acts, action{money: &m})
	}
	if len(acts) == 0 {
		return nil, skip(skipNotPaid)
	}
	return acts, nil
}
