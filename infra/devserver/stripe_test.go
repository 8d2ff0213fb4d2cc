package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"partnerkit/shared/config"
)

// stripeHook signs a Stripe event with the local STRIPE_WEBHOOK_SECRET,
// as Stripe signs a delivery, and POSTs it through the gateway.
func (ts *testStack) stripeHook(id string, typ stripe.EventType, obj any) response {
	ts.t.Helper()
	raw, _ := json.Marshal(obj)
	body, _ := json.Marshal(stripe.Event{ID: id, Object: "event", APIVersion: stripe.APIVersion, Created: time.Now().Unix(),
		Type: typ, Data: &stripe.EventData{Raw: raw}, PendingWebhooks: 1})
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: config.LocalStripeWebhookSecret})
	return ts.do(http.MethodPost, "/webhooks/stripe", http.Header{"Stripe-Signature": {signed.Header}, "Content-Type": {"application/json"}}, string(body))
}

// TestStripeOnly is a SaaS whose only integration is Stripe: pk_vid from a
// real click passed to Checkout as client_reference_id, then the paid
// invoice, make a commission line with no other webhook.
func TestStripeOnly(t *testing.T) {
	ts := newTestStack(t)
	partner := ts.user("sam", false)
	ts.enroll(partner, `{"code":"sam-refers"}`)

	click := ts.do(http.MethodGet, "/r/sam-refers", http.Header{"User-Agent": {"Mozilla/5.0 Chrome/156"}}, "")
	loc, err := url.Parse(click.Header.Get("Location"))
	vid := loc.Query().Get("pk_vid")
	if err != nil || vid == "" {
		t.Fatalf("click: Location %q", click.Header.Get("Location"))
	}
	now := time.Now()
	session := &stripe.CheckoutSession{ID: "cs_test_a1", Object: "checkout.session", ClientReferenceID: vid,
		Mode: stripe.CheckoutSessionModeSubscription, Status: stripe.CheckoutSessionStatusComplete,
		Customer: &stripe.Customer{ID: "cus_stripe1"}, CustomerDetails: &stripe.CheckoutSessionCustomerDetails{Email: "pat@example.com"},
		Created: now.Unix()}
	if r := ts.stripeHook("evt_cs1", "checkout.session.completed", session); r.StatusCode != 200 || !strings.Contains(string(r.body), `"attributed":true`) {
		t.Fatalf("checkout.session.completed: %d %s", r.StatusCode, r.body)
	}
	inv := &stripe.Invoice{ID: "in_stripe1", Object: "invoice", Status: stripe.InvoiceStatusPaid, Currency: "eur",
		Customer: &stripe.Customer{ID: "cus_stripe1"}, AmountPaid: 2400, Total: 2400, Created: now.Unix(),
		TotalTaxes:        []*stripe.InvoiceTotalTax{{Amount: 400, TaxBehavior: "exclusive"}},
		StatusTransitions: &stripe.InvoiceStatusTransitions{PaidAt: now.Unix()}}
	if r := ts.stripeHook("evt_in1", "invoice.paid", inv); r.StatusCode != 200 || !strings.Contains(string(r.body), `"recorded":true`) {
		t.Fatalf("invoice.paid: %d %s", r.StatusCode, r.body)
	}
	// €24 with €4 tax: 25% of €20.
	if got := ts.profileStats(partner); !strings.Contains(got, "pending=map[EUR:500]") || !strings.Contains(got, "signups=1") {
		t.Errorf("stats after a Stripe-only signup and invoice: %s", got)
	}
	bad := ts.do(http.MethodPost, "/webhooks/stripe", http.Header{"Stripe-Signature": {"t=1,v1=00"}}, `{"id":"evt_x"}`)
	wantError(t, bad, http.StatusBadRequest, "invalid_signature")
}
