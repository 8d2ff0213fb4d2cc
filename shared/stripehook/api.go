package stripehook

import (
	"context"
	"net/http"
	"time"

	"github.com/stripe/stripe-go/v82"
)

// API is what the connector reads from Stripe's API with STRIPE_API_KEY:
// a restricted key with read access to invoices, charges (refunds) and
// disputes is enough. Lists cover objects created in [from, to).
type API interface {
	// PaidInvoiceOf returns the paid invoice a payment intent paid, or nil
	// when it paid none (a one-off payment).
	PaidInvoiceOf(ctx context.Context, paymentIntentID string) (*stripe.Invoice, error)
	// ChargeRefunds returns a charge's refunds.
	ChargeRefunds(ctx context.Context, chargeID string) ([]*stripe.Refund, error)
	PaidInvoices(ctx context.Context, from, to time.Time) stripe.Seq2[*stripe.Invoice, error]
	Refunds(ctx context.Context, from, to time.Time) stripe.Seq2[*stripe.Refund, error]
	Disputes(ctx context.Context, from, to time.Time) stripe.Seq2[*stripe.Dispute, error]
}

// apiTimeout bounds each call to Stripe, retries included, well within
// the function's own timeout.
const apiTimeout = 4 * time.Second

// Client is API on stripe-go's client.
type Client struct{ sc *stripe.Client }

var _ API = (*Client)(nil)

// NewClient returns a Client for key. baseURL, when set, replaces
// https://api.stripe.com (tests point it at a local fake).
func NewClient(key, baseURL string) *Client {
	cfg := &stripe.BackendConfig{
		HTTPClient:        &http.Client{Timeout: apiTimeout},
		MaxNetworkRetries: stripe.Int64(1),
		// Its own logger would write plain lines; errors reach ours.
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull},
	}
	if baseURL != "" {
		cfg.URL = stripe.String(baseURL)
	}
	return &Client{sc: stripe.NewClient(key, stripe.WithBackends(stripe.NewBackendsWithConfig(cfg)))}
}

func createdIn(from, to time.Time) *stripe.RangeQueryParams {
	return &stripe.RangeQueryParams{GreaterThanOrEqual: from.Unix(), LesserThan: to.Unix()}
}

// PaidInvoiceOf implements API. Since API version 2025-03-31 payment
// intents and charges no longer name their invoice; the invoice's
// payments do.
func (c *Client) PaidInvoiceOf(ctx context.Context, pi string) (*stripe.Invoice, error) {
	p := &stripe.InvoicePaymentListParams{
		Payment: &stripe.InvoicePaymentListPaymentParams{Type: stripe.String("payment_intent"), PaymentIntent: stripe.String(pi)},
		Status:  stripe.String("paid"),
	}
	p.AddExpand("data.invoice")
	for ip, err := range c.sc.V1InvoicePayments.List(ctx, p) {
		if err != nil {
			return nil, err
		}
		if ip.Invoice != nil && ip.Invoice.ID != "" {
			return ip.Invoice, nil
		}
	}
	return nil, nil
}

// ChargeRefunds implements API.
func (c *Client) ChargeRefunds(ctx context.Context, chargeID string) ([]*stripe.Refund, error) {
	var out []*stripe.Refund
	for r, err := range c.sc.V1Refunds.List(ctx, &stripe.RefundListParams{Charge: stripe.String(chargeID)}) {
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// PaidInvoices implements API.
func (c *Client) PaidInvoices(ctx context.Context, from, to time.Time) stripe.Seq2[*stripe.Invoice, error] {
	return c.sc.V1Invoices.List(ctx, &stripe.InvoiceListParams{Status: stripe.String("paid"), CreatedRange: createdIn(from, to)})
}

// Refunds implements API.
func (c *Client) Refunds(ctx context.Context, from, to time.Time) stripe.Seq2[*stripe.Refund, error] {
	return c.sc.V1Refunds.List(ctx, &stripe.RefundListParams{CreatedRange: createdIn(from, to)})
}

// Disputes implements API.
func (c *Client) Disputes(ctx context.Context, from, to time.Time) stripe.Seq2[*stripe.Dispute, error] {
	return c.sc.V1Disputes.List(ctx, &stripe.DisputeListParams{CreatedRange: createdIn(from, to)})
}
