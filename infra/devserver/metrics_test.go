package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"partnerkit/shared/ledger"
	"partnerkit/shared/metrics"
)

// TestMetrics drives every counted event through the local stack and
// checks each function counted it once: a click, an attribution by click,
// a refused webhook, a commission and a refund, a closed statement and an
// invite.
func TestMetrics(t *testing.T) {
	ts := newTestStack(t)
	lines := &logBuffer{}
	metrics.SetOutput(lines)
	t.Cleanup(func() { metrics.SetOutput(nil) })

	partner := ts.user("jane", false)
	p := ts.enroll(partner, `{"code":"jane"}`)
	click := ts.do(http.MethodGet, "/r/jane", http.Header{"User-Agent": {"Mozilla/5.0 Chrome/156"}}, "")
	loc, err := url.Parse(click.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	wantOK(t, ts.webhook(delivery{id: "msg_signup", body: customerCreated("cus_1", "carol@example.com", loc.Query().Get("pk_vid"))}))
	if r := ts.webhook(delivery{id: "msg_bad", body: customerCreated("cus_2", "dan@example.com", ""), unsigned: true}); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned webhook: %d", r.StatusCode)
	}
	paidAt := ledger.PeriodOf(time.Now()).Prev().End().Add(-12 * time.Hour).Format(time.RFC3339)
	if r := ts.billingHook("msg_pay", billingBody("payment.succeeded", map[string]any{
		"payment_id": "pay_1", "customer_id": "cus_1", "amount": 9900, "currency": "usd", "paid_at": paidAt})); r.StatusCode != http.StatusOK {
		t.Fatalf("payment: %d %s", r.StatusCode, r.body)
	}
	if r := ts.billingHook("msg_refund", billingBody("payment.refunded", map[string]any{
		"payment_id": "pay_1", "refund_id": "re_1", "amount": 4950, "refunded_at": paidAt})); r.StatusCode != http.StatusOK {
		t.Fatalf("refund: %d %s", r.StatusCode, r.body)
	}
	if run := ts.do(http.MethodPost, "/_local/invoke/AccrualFunction", nil, `{}`); run.Header.Get("X-Amz-Function-Error") != "" {
		t.Fatalf("accrual run: %s", run.body)
	}
	ts.invite(partner, p.PartnerID, "erin@example.com")

	got := map[string]float64{}
	for _, l := range lines.take(t) {
		aws, _ := l["_aws"].(map[string]any)
		dirs, _ := aws["CloudWatchMetrics"].([]any)
		for _, d := range dirs {
			dir, _ := d.(map[string]any)
			dims := ""
			for _, set := range dir["Dimensions"].([]any) {
				for _, k := range set.([]any) {
					dims += fmt.Sprintf(" %s=%v", k, l[k.(string)])
				}
			}
			for _, m := range dir["Metrics"].([]any) {
				name := m.(map[string]any)["Name"].(string)
				got[name+dims] += l[name].(float64)
			}
		}
	}
	want := map[string]float64{
		"Clicks":                    1,
		"Attributions Source=click": 1,
		"WebhooksRefused Reason=invalid_signature": 1,
		"CommissionsRecorded":                      1,
		"RefundsRecorded":                          1,
		"StatementsClosed":                         1,
		"Invites Status=sent":                      1,
	}
	if g, w := mustJSON(got), mustJSON(want); g != w {
		t.Errorf("metrics = %s, want %s", g, w)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
