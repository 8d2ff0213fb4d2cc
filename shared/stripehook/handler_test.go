package stripehook

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"partnerkit/shared/billing"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/emailaddr"
	"partnerkit/shared/ledger"
	"partnerkit/shared/partner"
	"partnerkit/shared/program"
	"partnerkit/shared/referral"
	"partnerkit/shared/signup"
)

const testSecret = "whsec_test_stripe_endpoint_secret"

func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// env is the Stripe endpoint on a real store, with a fake Stripe API. Its
// clock is the real one: stripe-go checks signature ages against it.
type env struct {
	st  *dynamo.Store
	h   *Handler
	fn  lambda.Handler
	api *fakeAPI
	seq atomic.Int64
}

func newEnv(t *testing.T, st *dynamo.Store, secrets ...string) *env {
	t.Helper()
	if len(secrets) == 0 {
		secrets = []string{testSecret}
	}
	api, client := newFakeAPI(t)
	test := false
	h := &Handler{
		Store: st, Secrets: secrets, API: client, Live: &test,
		Signups: &signup.Recorder{Store: st, Hasher: emailaddr.NewHasher("test-hash-secret-16"), Window: 90 * 24 * time.Hour},
		Billing: &billing.Recorder{Store: st, Settings: &program.Cache{Load: st, Defaults: program.FromEnvironment(2500, 0, 0)}, Now: time.Now, Log: testLogger()},
		Now:     time.Now, Log: testLogger(),
	}
	return &env{st: st, h: h, fn: lambda.NewHandler(h.invoke), api: api}
}

// stripeEvent is a Stripe event of the library's API version holding obj.
func stripeEvent(id string, typ stripe.EventType, obj any) stripe.Event {
	raw, err := json.Marshal(obj)
	if err != nil {
		panic(err)
	}
	return stripe.Event{
		ID: id, Object: "event", APIVersion: stripe.APIVersion, Created: time.Now().Unix(), Type: typ,
		PendingWebhooks: 1, Data: &stripe.EventData{Raw: raw},
		Request: &stripe.EventRequest{ID: "req_" + id},
	}
}

type answer struct {
	status int
	body   map[string]any
}

func (r answer) String() string { return fmt.Sprintf("%d %v", r.status, r.body) }

// post sends body with a Stripe-Signature header through the Lambda handler.
func (e *env) post(t *testing.T, body []byte, sig string) answer {
	t.Helper()
	req := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "POST /webhooks/stripe", RawPath: "/webhooks/stripe", Body: string(body),
		Headers: map[string]string{"content-type": "application/json; charset=utf-8", "stripe-signature": sig, "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"},
	}
	req.RequestContext.HTTP.Method = "POST"
	req.RequestContext.HTTP.Path = "/webhooks/stripe"
	payload, _ := json.Marshal(req)
	out, err := e.fn.Invoke(context.Background(), payload)
	if err != nil {
		t.Fatal(err)
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	r := answer{status: resp.StatusCode}
	json.Unmarshal([]byte(resp.Body), &r.body)
	return r
}

// deliver signs ev now, as Stripe does each delivery, and sends it.
func (e *env) deliver(t *testing.T, ev stripe.Event) answer {
	t.Helper()
	ev.PendingWebhooks = e.seq.Add(1) // differs between deliveries, as Stripe's does
	body, _ := json.Marshal(ev)
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: testSecret, Timestamp: time.Now()})
	return e.post(t, body, signed.Header)
}

// mustRecord delivers ev and fails unless it was answered 200 without
// being ignored.
func (e *env) mustRecord(t *testing.T, ev stripe.Event) answer {
	t.Helper()
	r := e.deliver(t, ev)
	if r.status != 200 || r.body["ignored"] != nil {
		t.Fatalf("%s %s = %v, want recorded", ev.Type, ev.ID, r)
	}
	return r
}

var day = 24 * time.Hour

// invoice is a paid invoice of customer for a price of product, with tax.
func invoice(id, customer, currency string, paid, tax int64, at time.Time) *stripe.Invoice {
	inv := &stripe.Invoice{
		ID: id, Object: "invoice", Currency: stripe.Currency(currency), Customer: &stripe.Customer{ID: customer},
		AmountDue: paid, AmountPaid: paid, Total: paid, Subtotal: paid - tax, TotalExcludingTax: paid - tax,
		Status: stripe.InvoiceStatusPaid, Created: at.Add(-time.Hour).Unix(), BillingReason: stripe.InvoiceBillingReasonSubscriptionCycle,
		StatusTransitions: &stripe.InvoiceStatusTransitions{PaidAt: at.Unix(), FinalizedAt: at.Add(-time.Hour).Unix()},
		Lines: &stripe.InvoiceLineItemList{Data: []*stripe.InvoiceLineItem{{
			ID: "il_" + id, Object: "line_item", Amount: paid - tax, Currency: stripe.Currency(currency),
			Pricing: &stripe.InvoiceLineItemPricing{Type: "price_details", PriceDetails: &stripe.InvoiceLineItemPricingPriceDetails{Price: "price_pro_monthly", Product: "prod_pro"}},
		}}},
	}
	if tax > 0 {
		inv.TotalTaxes = []*stripe.InvoiceTotalTax{{Amount: tax, TaxableAmount: paid - tax, TaxBehavior: "exclusive", Type: "tax_rate_details"}}
	}
	return inv
}

func refundObj(id, pi, charge, currency string, amount int64, at time.Time) *stripe.Refund {
	return &stripe.Refund{ID: id, Object: "refund", Amount: amount, Currency: stripe.Currency(currency), Status: stripe.RefundStatusSucceeded,
		Created: at.Unix(), PaymentIntent: &stripe.PaymentIntent{ID: pi}, Charge: &stripe.Charge{ID: charge}}
}

// linesOf returns every line of a partner from from's period to now's,
// as "id:currency:amount", sorted.
func linesOf(t *testing.T, st *dynamo.Store, partnerID string, from time.Time) []string {
	t.Helper()
	var out []string
	for p := ledger.PeriodOf(from); p.String() <= ledger.PeriodOf(time.Now()).String(); p = p.Next() {
		ls, err := st.PartnerLines(context.Background(), partnerID, p.String())
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range ls {
			out = append(out, fmt.Sprintf("%s:%s:%d", l.ID, l.Currency, l.Amount))
		}
	}
	sort.Strings(out)
	return out
}

func sum(lines []string, currency string) int64 {
	var total int64
	for _, l := range lines {
		parts := strings.Split(l, ":")
		if parts[1] == currency {
			var n int64
			fmt.Sscan(parts[2], &n)
			total += n
		}
	}
	return total
}

func enroll(t *testing.T, st *dynamo.Store, id, code string) {
	t.Helper()
	p := partner.Partner{ID: id, Code: code, Subject: "sub-" + id, Email: id + "@example.com", Status: partner.StatusActive, CreatedAt: time.Now().Add(-400 * day)}
	if _, _, err := st.CreatePartner(context.Background(), p); err != nil {
		t.Fatal(err)
	}
}

func click(t *testing.T, st *dynamo.Store, partnerID string, at time.Time) string {
	t.Helper()
	vid := referral.NewVisitorID()
	if _, _, err := st.RecordFirstTouch(context.Background(), referral.Touch{VisitorID: vid, PartnerID: partnerID, At: at}, 90*day); err != nil {
		t.Fatal(err)
	}
	return vid
}

func recorded(t *testing.T, st *dynamo.Store, paymentID string) bool {
	t.Helper()
	lk, err := st.LookupBilling(context.Background(), "x", paymentID, "", "")
	if err != nil {
		t.Fatal(err)
	}
	return lk.Payment != nil
}

func TestStripeLifecycle(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		st := dynamo.New(b.Client, b.Table)
		e := newEnv(t, st)
		enroll(t, st, "pt_a", "alice")
		signedUp := time.Now().Add(-365 * day).Truncate(time.Second)
		vid := click(t, st, "pt_a", signedUp.Add(-time.Hour))

		// A Checkout signup: client_reference_id carries pk_vid.
		session := &stripe.CheckoutSession{
			ID: "cs_test_1", Object: "checkout.session", ClientReferenceID: vid, Mode: stripe.CheckoutSessionModeSubscription,
			Status: stripe.CheckoutSessionStatusComplete, PaymentStatus: stripe.CheckoutSessionPaymentStatusPaid,
			Customer: &stripe.Customer{ID: "cus_1"}, CustomerDetails: &stripe.CheckoutSessionCustomerDetails{Email: "Carol@Example.com"},
			Created: signedUp.Unix(), Subscription: &stripe.Subscription{ID: "sub_1"}, Currency: "usd",
		}
		signupEv := stripeEvent("evt_signup", EventCheckoutCompleted, session)
		r := e.mustRecord(t, signupEv)
		if r.body["attributed"] != true || r.body["partner_id"] != "pt_a" || r.body["source"] != "click" {
			t.Fatalf("checkout signup = %v, want attributed to pt_a by click", r)
		}
		if again := e.deliver(t, signupEv); fmt.Sprint(again) != fmt.Sprint(r) {
			t.Errorf("redelivered signup = %v, want %v", again, r)
		}

		// A year of monthly invoices, $119 with $19 tax: $100 earns $25.
		var invs []*stripe.Invoice
		for m := range 12 {
			inv := invoice(fmt.Sprintf("in_%02d", m+1), "cus_1", "usd", 11900, 1900, signedUp.Add(time.Duration(m)*30*day+time.Hour))
			e.api.addInvoice(inv, "pi_"+inv.ID)
			invs = append(invs, inv)
			r := e.mustRecord(t, stripeEvent("evt_paid_"+inv.ID, EventInvoicePaid, inv))
			if r.body["payment_id"] != inv.ID {
				t.Errorf("invoice.paid %s = %v", inv.ID, r)
			}
		}
		// Redelivery and a retry under a new event id (invoice.paid and a
		// resent event): nothing more.
		e.mustRecord(t, stripeEvent("evt_paid_in_01", EventInvoicePaid, invs[0]))
		e.mustRecord(t, stripeEvent("evt_paid_in_01_again", EventInvoicePaid, invs[0]))
		lines := linesOf(t, st, "pt_a", signedUp)
		if len(lines) != 12 || sum(lines, "USD") != 12*2500 {
			t.Fatalf("lines after a year = %v, want 12 commissions of 2500", lines)
		}

		// A partial refund: half of in_12 back, so half its commission.
		now := time.Now()
		e.mustRecord(t, stripeEvent("evt_re1", EventRefundCreated, refundObj("re_1", "pi_in_12", "ch_12", "usd", 5950, now.Add(-time.Minute))))
		// A full refund reported as charge.refunded (refunds from the API),
		// then as refund.created: one reversal.
		e.api.refunds = append(e.api.refunds, refundObj("re_2", "pi_in_11", "ch_11", "usd", 11900, now.Add(-time.Minute)))
		charge := &stripe.Charge{ID: "ch_11", Object: "charge", Amount: 11900, AmountRefunded: 11900, Refunded: true, Currency: "usd",
			PaymentIntent: &stripe.PaymentIntent{ID: "pi_in_11"}, Status: stripe.ChargeStatusSucceeded, Created: invs[10].StatusTransitions.PaidAt}
		e.mustRecord(t, stripeEvent("evt_ch11", EventChargeRefunded, charge))
		e.mustRecord(t, stripeEvent("evt_re2", EventRefundCreated, e.api.refunds[0]))
		// A lost dispute of in_10, and one of in_12 for more than is left:
		// capped at the half not refunded yet.
		lost := &stripe.Dispute{ID: "du_1", Object: "dispute", Amount: 11900, Currency: "usd", Status: stripe.DisputeStatusLost,
			Created: now.Add(-time.Hour).Unix(), PaymentIntent: &stripe.PaymentIntent{ID: "pi_in_10"}, Charge: &stripe.Charge{ID: "ch_10"}}
		e.mustRecord(t, stripeEvent("evt_du1", EventDisputeClosed, lost))
		won := *lost
		won.ID, won.Status = "du_won", stripe.DisputeStatusWon
		if r := e.deliver(t, stripeEvent("evt_duwon", EventDisputeClosed, &won)); r.body["ignored"] != skipNotPaid {
			t.Errorf("won dispute = %v, want ignored", r)
		}
		over := *lost
		over.ID, over.PaymentIntent = "du_2", &stripe.PaymentIntent{ID: "pi_in_12"}
		e.mustRecord(t, stripeEvent("evt_du2", EventDisputeClosed, &over))

		lines = linesOf(t, st, "pt_a", signedUp)
		want := map[string]bool{"r_re_1:USD:-1250": true, "r_re_2:USD:-2500": true, "r_du_1:USD:-2500": true, "r_du_2:USD:-1250": true}
		for _, l := range lines {
			delete(want, l)
		}
		if len(want) > 0 || len(lines) != 16 || sum(lines, "USD") != 9*2500 {
			t.Errorf("lines = %v; missing %v; want in_10 to in_12 fully reversed", lines, want)
		}

		// Out of order: a refund before its invoice is held, then applies.
		late := invoice("in_13", "cus_1", "usd", 11900, 1900, now.Add(-2*time.Hour))
		e.api.addInvoice(late, "pi_in_13")
		e.mustRecord(t, stripeEvent("evt_re3", EventRefundCreated, refundObj("re_3", "pi_in_13", "ch_13", "usd", 11900, now.Add(-time.Minute))))
		if recorded(t, st, "in_13") {
			// A held refund keeps an "awaiting" payment record; it must
			// not be a recorded payment yet.
			lk, _ := st.LookupBilling(context.Background(), "x", "in_13", "", "")
			if lk.Payment.State != "awaiting" {
				t.Fatalf("in_13 before its invoice = %+v", lk.Payment)
			}
		}
		e.mustRecord(t, stripeEvent("evt_paid_in_13", EventInvoicePaid, late))

		// A zero-decimal currency and Stripe's special case ISK.
		e.mustRecord(t, stripeEvent("evt_jpy", EventInvoicePaid, invoice("in_jpy", "cus_1", "jpy", 1000, 0, now)))
		e.mustRecord(t, stripeEvent("evt_isk", EventInvoicePaid, invoice("in_isk", "cus_1", "isk", 500000, 0, now)))
		if r := e.deliver(t, stripeEvent("evt_isk_frac", EventInvoicePaid, invoice("in_isk_frac", "cus_1", "isk", 100050, 0, now))); r.status != 200 || r.body["ignored"] != skipInexact {
			t.Errorf("fractional ISK = %v, want 200 ignored inexact", r)
		}
		if r := e.deliver(t, stripeEvent("evt_zero", EventInvoicePaid, invoice("in_zero", "cus_1", "usd", 0, 0, now))); r.body["ignored"] != skipZero {
			t.Errorf("$0 invoice = %v, want ignored", r)
		}
		if r := e.deliver(t, stripeEvent("evt_other", "payment_intent.created", &stripe.PaymentIntent{ID: "pi_x"})); r.status != 200 || r.body["ignored"] != skipUnknownEvent {
			t.Errorf("unused event = %v, want 200 ignored", r)
		}
		for _, id := range []string{"in_isk_frac", "in_zero"} {
			if recorded(t, st, id) {
				t.Errorf("%s recorded", id)
			}
		}

		lines = linesOf(t, st, "pt_a", signedUp)
		if got := sum(lines, "USD"); got != 9*2500 {
			t.Errorf("USD total = %d, want %d (in_13 nets to zero)", got, 9*2500)
		}
		if sum(lines, "JPY") != 250 || sum(lines, "ISK") != 1250 {
			t.Errorf("lines = %v, want JPY 250 and ISK 1250 (5000 krónur at 25%%)", lines)
		}
	})
}

func TestStripeRefusals(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		st := dynamo.New(b.Client, b.Table)
		// Two secrets while one is rolled: either verifies.
		e := newEnv(t, st, "whsec_old_secret", testSecret)
		inv := invoice("in_r1", "cus_r", "usd", 1000, 0, time.Now())
		body, _ := json.Marshal(stripeEvent("evt_r1", EventInvoicePaid, inv))
		sign := func(secret string, at time.Time) string {
			return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: at}).Header
		}
		for name, sig := range map[string]string{
			"bad signature":   sign("whsec_someone_else", time.Now()),
			"stale timestamp": sign(testSecret, time.Now().Add(-6*time.Minute)),
			"no signature":    "",
			"malformed":       "t=abc,v1=zz",
		} {
			if r := e.post(t, body, sig); r.status != 400 || r.body["error"].(map[string]any)["code"] != "invalid_signature" {
				t.Errorf("%s = %v, want 400 invalid_signature", name, r)
			}
		}
		huge := append([]byte(`{"id":"evt_big","pad":"`), make([]byte, 65<<10)...)
		if r := e.post(t, huge, sign(testSecret, time.Now())); r.status != 413 {
			t.Errorf("body over 64 KiB = %v, want 413 first", r)
		}
		live := stripeEvent("evt_live", EventInvoicePaid, inv)
		live.Livemode = true
		if r := e.deliver(t, live); r.status != 400 {
			t.Errorf("live event with a test key = %v, want 400", r)
		}
		old := stripeEvent("evt_acacia", EventInvoicePaid, inv)
		old.APIVersion = "2024-06-20"
		if r := e.deliver(t, old); r.status != 400 {
			t.Errorf("event of an older API version = %v, want 400", r)
		}
		if recorded(t, st, "in_r1") {
			t.Error("a refused event recorded its invoice")
		}
		if r := e.post(t, body, sign(testSecret, time.Now())); r.status != 200 || r.body["payment_id"] != "in_r1" {
			t.Errorf("the same event signed with the second secret = %v, want recorded", r)
		}
	})
}

func TestStripeBackfill(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		counter := dynamotest.NewCounter(b.Client)
		st := dynamo.New(counter, b.Table)
		e := newEnv(t, st)
		enroll(t, st, "pt_b", "bobby")
		start := time.Now().Add(-60 * day).Truncate(time.Second)
		e.mustRecord(t, stripeEvent("evt_cus", EventCustomerCreated, &stripe.Customer{
			ID: "cus_b", Object: "customer", Email: "dan@example.com", Created: start.Unix(), Metadata: map[string]string{MetaCode: "BOBBY"}}))

		// Three paid invoices and a refund; the webhooks saw only the first.
		for i := range 3 {
			inv := invoice(fmt.Sprintf("in_b%d", i+1), "cus_b", "usd", 2000, 0, start.Add(time.Duration(i+1)*day))
			e.api.addInvoice(inv, "pi_"+inv.ID)
			if i == 0 {
				e.mustRecord(t, stripeEvent("evt_b1", EventInvoicePaid, inv))
			}
		}
		e.api.refunds = append(e.api.refunds, refundObj("re_b", "pi_in_b2", "ch_b2", "usd", 1000, start.Add(5*day)))
		e.api.invoices = append(e.api.invoices, invoice("in_other", "cus_b", "usd", 5000, 0, start.Add(-30*day))) // out of range

		got, err := e.h.Backfill(ctx, Backfill{From: start.Format(time.RFC3339)})
		if err != nil || !got.Complete || got.Recorded != 3 || got.Read != 4 {
			t.Fatalf("backfill = %+v, %v; want in_b2, in_b3 and re_b recorded", got, err)
		}
		want := []string{"c_in_b1:USD:500", "c_in_b2:USD:500", "c_in_b3:USD:500", "r_re_b:USD:-250"}
		if lines := linesOf(t, st, "pt_b", start); fmt.Sprint(lines) != fmt.Sprint(want) {
			t.Errorf("lines = %v, want %v", lines, want)
		}
		if recorded(t, st, "in_other") {
			t.Error("an invoice out of the range was recorded")
		}

		counter.Take()
		again, err := e.h.Backfill(ctx, Backfill{From: start.Format(time.RFC3339), To: time.Now().Format(time.RFC3339)})
		if err != nil || again.Recorded != 0 || again.Read != 4 {
			t.Errorf("second backfill = %+v, %v; want nothing recorded", again, err)
		}
		if calls, _ := counter.Writes(); calls != 0 {
			t.Errorf("second backfill wrote %d times, want 0", calls)
		}
		if lines := linesOf(t, st, "pt_b", start); fmt.Sprint(lines) != fmt.Sprint(want) {
			t.Errorf("lines after a second backfill = %v, want %v", lines, want)
		}
		// The webhook arriving late finds the backfilled record.
		if r := e.mustRecord(t, stripeEvent("evt_b3", EventInvoicePaid, e.api.invoices[2])); r.body["payment_id"] != "in_b3" {
			t.Errorf("late webhook = %v", r)
		}

		// Invoked as the function is: {"backfill":{...}}.
		out, err := e.fn.Invoke(ctx, []byte(`{"backfill":{"from":"`+start.Format(time.RFC3339)+`"}}`))
		if err != nil || !strings.Contains(string(out), `"recorded":0`) {
			t.Errorf("invoked backfill = %s, %v", out, err)
		}
	})
}

// The price's product is the payment's plan: a program rule for it
// applies, and the line says so.
func TestStripePlanFromProduct(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		st := dynamo.New(b.Client, b.Table)
		e := newEnv(t, st)
		ctx := context.Background()
		s := program.FromEnvironment(2500, 0, 0)
		s.Version = 2
		s.Plans["prod_pro"] = program.Rule{BPS: 4000, Duration: program.Duration{Kind: program.EveryPayment}}
		if err := st.SaveProgram(ctx, s); err != nil {
			t.Fatal(err)
		}
		enroll(t, st, "pt_a", "alice")
		signedUp := time.Now().Add(-10 * day).Truncate(time.Second)
		vid := click(t, st, "pt_a", signedUp.Add(-time.Hour))
		e.mustRecord(t, stripeEvent("evt_signup", EventCheckoutCompleted, &stripe.CheckoutSession{
			ID: "cs_1", Object: "checkout.session", ClientReferenceID: vid, Mode: stripe.CheckoutSessionModeSubscription,
			Status: stripe.CheckoutSessionStatusComplete, PaymentStatus: stripe.CheckoutSessionPaymentStatusPaid,
			Customer: &stripe.Customer{ID: "cus_1"}, Created: signedUp.Unix(), Currency: "usd",
		}))
		inv := invoice("in_1", "cus_1", "usd", 11900, 1900, signedUp.Add(time.Hour))
		e.api.addInvoice(inv, "pi_in_1")
		e.mustRecord(t, stripeEvent("evt_paid", EventInvoicePaid, inv))
		ls, err := st.PartnerLines(ctx, "pt_a", ledger.PeriodOf(time.Unix(inv.StatusTransitions.PaidAt, 0)).String())
		if err != nil {
			t.Fatal(err)
		}
		if len(ls) != 1 || ls[0].Amount != 4000 || ls[0].Basis == nil || ls[0].Basis.Describe("USD") != "40% of 100.00 USD, plan prod_pro, rule v2" {
			t.Fatalf("lines = %+v, want one of 4000 under plan prod_pro, rule v2", ls)
		}
	})
}
