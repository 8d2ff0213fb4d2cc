// Package billingtest drives the billing webhook in tests: it signs and
// sends payment and refund deliveries through the real handler and store,
// and records attributions the way the signup webhook does.
package billingtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/attribution"
	"partnerkit/shared/billing"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/httpapi/apitest"
	"partnerkit/shared/program"
	"partnerkit/shared/webhook"
)

// Secret signs test deliveries.
const Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// Env is a billing webhook on a real store, at a settable time.
type Env struct {
	Store   *dynamo.Store
	Handler lambda.Handler
	// Settings is the handler's settings cache.
	Settings *program.Cache
	now      atomic.Int64
	seq      atomic.Int64
}

// New returns an Env at now with the given rate and months limit.
func New(t testing.TB, st *dynamo.Store, now time.Time, bps, months int) *Env {
	t.Helper()
	e := &Env{Store: st}
	e.now.Store(now.UnixNano())
	clock := func() time.Time { return time.Unix(0, e.now.Load()).UTC() }
	v, err := webhook.NewVerifier([]string{Secret}, clock)
	if err != nil {
		t.Fatal(err)
	}
	// A short TTL: tests that save settings see them on the next event.
	e.Settings = &program.Cache{Load: st, Defaults: program.FromEnvironment(bps, months, 0), TTL: time.Nanosecond}
	h := &billing.Handler{Store: st, Verifier: v, Settings: e.Settings, Now: clock, Log: testLogger()}
	e.Handler = lambda.NewHandler(h.Handle)
	return e
}

// SetNow moves the handler's clock.
func (e *Env) SetNow(t time.Time) { e.now.Store(t.UnixNano()) }

// Reply is a webhook answer.
type Reply struct {
	Status  int
	Headers map[string]string
	Body    map[string]any
}

// Code is the error code of a refusal, or "".
func (r Reply) Code() string {
	m, _ := r.Body["error"].(map[string]any)
	s, _ := m["code"].(string)
	return s
}

// Deliver signs body under webhookID ("" for a fresh one) and sends it.
func (e *Env) Deliver(t testing.TB, webhookID, body string) Reply {
	t.Helper()
	if webhookID == "" {
		webhookID = fmt.Sprintf("msg_%d_%d", time.Now().UnixNano(), e.seq.Add(1))
	}
	ts := time.Unix(0, e.now.Load()).Unix()
	sig, err := webhook.Sign(Secret, webhookID, ts, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "POST /webhooks/billing", Body: body,
		Headers: map[string]string{"webhook-id": webhookID, "webhook-timestamp": strconv.FormatInt(ts, 10), "webhook-signature": sig}}
	payload, _ := json.Marshal(ev)
	resp := apitest.Invoke(t, e.Handler, payload)
	r := Reply{Status: resp.StatusCode, Headers: resp.Headers}
	resp.DecodeBody(t, &r.Body)
	return r
}

// PaymentBody is a payment.succeeded body.
func PaymentBody(paymentID, customerID string, amount int64, currency string, paidAt time.Time) string {
	return body("payment.succeeded", map[string]any{"payment_id": paymentID, "customer_id": customerID, "amount": amount,
		"currency": currency, "paid_at": paidAt.UTC().Format(time.RFC3339Nano)})
}

// PlanPaymentBody is PaymentBody with data.plan.
func PlanPaymentBody(paymentID, customerID string, amount int64, currency string, paidAt time.Time, plan string) string {
	return body("payment.succeeded", map[string]any{"payment_id": paymentID, "customer_id": customerID, "amount": amount,
		"currency": currency, "paid_at": paidAt.UTC().Format(time.RFC3339Nano), "plan": plan})
}

// RefundBody is a payment.refunded body.
func RefundBody(paymentID, refundID string, amount int64, refundedAt time.Time) string {
	return body("payment.refunded", map[string]any{"payment_id": paymentID, "refund_id": refundID, "amount": amount,
		"refunded_at": refundedAt.UTC().Format(time.RFC3339Nano)})
}

func body(typ string, data map[string]any) string {
	b, _ := json.Marshal(map[string]any{"type": typ, "timestamp": "2026-10-01T00:00:00Z", "data": data})
	return string(b)
}

// Pay sends a payment and fails the test unless it is recorded.
func (e *Env) Pay(t testing.TB, paymentID, customerID string, amount int64, currency string, paidAt time.Time) {
	t.Helper()
	if r := e.Deliver(t, "", PaymentBody(paymentID, customerID, amount, currency, paidAt)); r.Status != 200 {
		t.Fatalf("payment %s: %d %v", paymentID, r.Status, r.Body)
	}
}

// Refund sends a refund and fails the test unless it is recorded.
func (e *Env) Refund(t testing.TB, paymentID, refundID string, amount int64, at time.Time) {
	t.Helper()
	if r := e.Deliver(t, "", RefundBody(paymentID, refundID, amount, at)); r.Status != 200 {
		t.Fatalf("refund %s: %d %v", refundID, r.Status, r.Body)
	}
}

// Attribute records that customerID, created at createdAt, is attributed
// to partnerID ("" for not attributed), as a signup webhook would.
func Attribute(t testing.TB, st *dynamo.Store, customerID, partnerID string, createdAt time.Time) {
	t.Helper()
	s := attribution.Signup{CustomerID: customerID, Email: customerID + "@example.com", CreatedAt: createdAt}
	var touches []attribution.Touch
	if partnerID != "" {
		touches = []attribution.Touch{{Source: attribution.SourceCode, PartnerID: partnerID, At: createdAt}}
	}
	d := attribution.Decide(s, touches, 90*24*time.Hour)
	resp := dynamo.WebhookResponse{Endpoint: "signup", ID: "sig_" + customerID, Status: 200, Body: "{}"}
	if _, ok, _, err := st.SaveAttribution(context.Background(), d, s, "hash-"+customerID, resp, createdAt); err != nil || !ok {
		t.Fatalf("attributing %s: %v", customerID, err)
	}
}

// testLogger shows the handler's logs with go test -v only.
func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
