package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"partnerkit/shared/config"
	"partnerkit/shared/ledger"
	"partnerkit/shared/webhook"
)

// billingHook signs and POSTs a billing webhook body through the gateway.
func (ts *testStack) billingHook(id, body string) response {
	ts.t.Helper()
	now := time.Now().Unix()
	sig, err := webhook.Sign(config.LocalWebhookSecret, id, now, []byte(body))
	if err != nil {
		ts.t.Fatal(err)
	}
	h := http.Header{"Webhook-Id": {id}, "Webhook-Timestamp": {strconv.FormatInt(now, 10)}, "Webhook-Signature": {sig}}
	return ts.do(http.MethodPost, "/webhooks/billing", h, body)
}

func billingBody(typ string, data map[string]any) string {
	b, _ := json.Marshal(map[string]any{"type": typ, "timestamp": time.Now().UTC().Format(time.RFC3339), "data": data})
	return string(b)
}

// TestMoneyPath takes a partner from a click to a paid payout on the local
// stack: click, signup webhook, payment and refund webhooks, the monthly
// run through /_local/invoke, statements, the CSV and "paid".
func TestMoneyPath(t *testing.T) {
	ts := newTestStack(t)
	partner := ts.user("jane", false)
	admin := ts.user("ops", true)
	p := ts.enroll(partner, `{"code":"jane"}`)

	click := ts.do(http.MethodGet, "/r/jane", http.Header{"User-Agent": {"Mozilla/5.0 Chrome/156"}}, "")
	loc, err := url.Parse(click.Header.Get("Location"))
	if err != nil || loc.Query().Get("pk_vid") == "" {
		t.Fatalf("click: Location %q", click.Header.Get("Location"))
	}
	a := wantOK(t, ts.webhook(delivery{id: "msg_signup", body: customerCreated("cus_1", "carol@example.com", loc.Query().Get("pk_vid"))}))
	if a.PartnerID != p.PartnerID {
		t.Fatalf("signup attributed to %q, want %q", a.PartnerID, p.PartnerID)
	}

	prev := ledger.PeriodOf(time.Now()).Prev()
	paidAt := prev.End().Add(-12 * time.Hour).Format(time.RFC3339)
	if r := ts.billingHook("msg_pay", billingBody("payment.succeeded", map[string]any{
		"payment_id": "pay_1", "customer_id": "cus_1", "amount": 9900, "currency": "usd", "paid_at": paidAt})); r.StatusCode != 200 {
		t.Fatalf("payment: %d %s", r.StatusCode, r.body)
	}
	if r := ts.billingHook("msg_refund", billingBody("payment.refunded", map[string]any{
		"payment_id": "pay_1", "refund_id": "re_1", "amount": 4950, "refunded_at": paidAt})); r.StatusCode != 200 {
		t.Fatalf("refund: %d %s", r.StatusCode, r.body)
	}
	if got := ts.profileStats(partner); got != `pending=map[USD:1237] payable=map[] paid=map[] customers=1 signups=1` {
		t.Errorf("stats before the run: %s", got)
	}

	run := ts.do(http.MethodPost, "/_local/invoke/AccrualFunction", nil, `{}`)
	want := fmt.Sprintf(`{"period":%q,"partners":1,"statements":1,"lines":2}`, prev)
	if run.StatusCode != 200 || run.Header.Get("X-Amz-Function-Error") != "" || strings.TrimSpace(string(run.body)) != want {
		t.Fatalf("accrual run: %d %s, want %s", run.StatusCode, run.body, want)
	}
	if again := ts.do(http.MethodPost, "/_local/invoke/AccrualFunction", nil, fmt.Sprintf(`{"period":%q}`, prev)); strings.TrimSpace(string(again.body)) != want {
		t.Errorf("second run: %s, want %s", again.body, want)
	}
	unended := ts.do(http.MethodPost, "/_local/invoke/AccrualFunction", nil, fmt.Sprintf(`{"period":%q}`, ledger.PeriodOf(time.Now())))
	if unended.Header.Get("X-Amz-Function-Error") != "Unhandled" || !strings.Contains(string(unended.body), "has not ended") {
		t.Errorf("closing the current month: %d %v %s", unended.StatusCode, unended.Header, unended.body)
	}

	var payouts struct {
		Period     string `json:"period"`
		Statements []struct {
			StatementID string `json:"statement_id"`
			PartnerID   string `json:"partner_id"`
			Email       string `json:"email"`
			Earned      int64  `json:"earned"`
			Reversed    int64  `json:"reversed"`
			Total       int64  `json:"total"`
			Status      string `json:"status"`
		} `json:"statements"`
	}
	decode(t, ts.api(http.MethodGet, "/payouts?period="+prev.String(), admin, ""), &payouts)
	if len(payouts.Statements) != 1 {
		t.Fatalf("payouts: %+v", payouts)
	}
	s := payouts.Statements[0]
	if s.PartnerID != p.PartnerID || s.Email != "jane@example.com" || s.Earned != 2475 || s.Reversed != 1238 || s.Total != 1237 || s.Status != "payable" {
		t.Errorf("statement = %+v", s)
	}
	wantError(t, ts.api(http.MethodGet, "/payouts?period="+prev.String(), partner, ""), 403, "forbidden")
	wantError(t, ts.api(http.MethodGet, "/payouts?period=2026-13", admin, ""), 400, "invalid_request")

	csvResp := ts.do(http.MethodGet, "/payouts?period="+prev.String(), http.Header{"Authorization": {"Bearer " + admin}, "Accept": {"text/csv"}}, "")
	wantCSV := "statement_id,partner_id,email,currency,total,status\n" + s.StatementID + "," + p.PartnerID + ",jane@example.com,USD,1237,payable\n"
	if csvResp.StatusCode != 200 || !strings.HasPrefix(csvResp.Header.Get("Content-Type"), "text/csv") || string(csvResp.body) != wantCSV {
		t.Errorf("CSV = %d %q\nwant %q", csvResp.StatusCode, csvResp.body, wantCSV)
	}

	var comm struct {
		Lines []struct {
			Kind        string `json:"kind"`
			Amount      int64  `json:"amount"`
			StatementID string `json:"statement_id"`
		} `json:"lines"`
		Statements []json.RawMessage `json:"statements"`
	}
	decode(t, ts.api(http.MethodGet, "/partners/me/commissions?period="+prev.String(), partner, ""), &comm)
	if len(comm.Lines) != 2 || len(comm.Statements) != 1 || comm.Lines[0].StatementID != s.StatementID {
		t.Errorf("commissions = %+v", comm)
	}

	paid := ts.api(http.MethodPost, "/payouts/"+s.StatementID+"/paid", admin, `{"reference":"wire-42"}`)
	if paid.StatusCode != 200 || !strings.Contains(string(paid.body), `"status":"paid"`) || !strings.Contains(string(paid.body), `"reference":"wire-42"`) {
		t.Errorf("paid: %d %s", paid.StatusCode, paid.body)
	}
	wantError(t, ts.api(http.MethodPost, "/payouts/"+s.StatementID+"/paid", admin, `{"reference":"wire-43"}`), 409, "conflict")
	wantError(t, ts.api(http.MethodPost, "/payouts/st_nope/paid", admin, `{"reference":"x"}`), 404, "not_found")
	if got := ts.profileStats(partner); got != `pending=map[] payable=map[] paid=map[USD:1237] customers=1 signups=1` {
		t.Errorf("stats after payout: %s", got)
	}
}

// profileStats renders the caller's money stats.
func (ts *testStack) profileStats(token string) string {
	ts.t.Helper()
	var p struct {
		Stats struct {
			Signups   int64            `json:"signups"`
			Customers int64            `json:"customers"`
			Pending   map[string]int64 `json:"pending"`
			Payable   map[string]int64 `json:"payable"`
			Paid      map[string]int64 `json:"paid"`
		} `json:"stats"`
	}
	decode(ts.t, ts.api(http.MethodGet, "/partners/me", token, ""), &p)
	s := p.Stats
	return fmt.Sprintf("pending=%v payable=%v paid=%v customers=%d signups=%d", s.Pending, s.Payable, s.Paid, s.Customers, s.Signups)
}
