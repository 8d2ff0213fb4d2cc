package main

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestOverrideMovesEarnings shows, on the local stack, that an admin's
// override changes who earns a customer's next payment while earlier
// lines stay, and that the Partner Center's routes follow the customer.
func TestOverrideMovesEarnings(t *testing.T) {
	ts := newTestStack(t)
	jane, bob, admin := ts.user("jane", false), ts.user("bob", false), ts.user("ops", true)
	ts.enroll(jane, `{"code":"jane"}`)
	b := ts.enroll(bob, `{"code":"bob-b"}`)

	click := ts.do(http.MethodGet, "/r/jane", http.Header{"User-Agent": {"Mozilla/5.0 Chrome/156"}}, "")
	loc, err := url.Parse(click.Header.Get("Location"))
	if err != nil || loc.Query().Get("pk_vid") == "" {
		t.Fatalf("click: Location %q", click.Header.Get("Location"))
	}
	wantOK(t, ts.webhook(delivery{id: "msg_signup", body: customerCreated("cus_1", "carol@example.com", loc.Query().Get("pk_vid"))}))
	pay := func(id string) {
		t.Helper()
		if r := ts.billingHook("msg_"+id, billingBody("payment.succeeded", map[string]any{
			"payment_id": id, "customer_id": "cus_1", "amount": 9900, "currency": "usd", "paid_at": time.Now().UTC().Format(time.RFC3339)})); r.StatusCode != 200 {
			t.Fatalf("payment %s: %d %s", id, r.StatusCode, r.body)
		}
	}
	pay("pay_1")

	wantError(t, ts.api(http.MethodPut, "/customers/cus_1/attribution", jane, `{"partner_id":"`+b.PartnerID+`","note":"x"}`), 403, "forbidden")
	var over struct {
		PartnerID string `json:"partner_id"`
		Source    string `json:"source"`
	}
	decode(t, ts.api(http.MethodPut, "/customers/cus_1/attribution", admin, `{"partner_id":"`+b.PartnerID+`","note":"Referred in person."}`), &over)
	if over.PartnerID != b.PartnerID || over.Source != "manual" {
		t.Fatalf("override answered %+v", over)
	}
	pay("pay_2")

	tests := []struct {
		name, token, want string
	}{
		{"jane keeps the first payment's line", jane, `pending=map[USD:2475] payable=map[] paid=map[] customers=0 signups=0`},
		{"bob earns the next payment", bob, `pending=map[USD:2475] payable=map[] paid=map[] customers=1 signups=1`},
	}
	for _, tt := range tests {
		if got := ts.profileStats(tt.token); got != tt.want {
			t.Errorf("%s: stats %s, want %s", tt.name, got, tt.want)
		}
	}

	var customers struct {
		Customers []struct {
			CustomerID string `json:"customer_id"`
			EmailHint  string `json:"email_hint"`
			Source     string `json:"source"`
			LastPaidAt string `json:"last_paid_at"`
		} `json:"customers"`
	}
	decode(t, ts.api(http.MethodGet, "/partners/me/customers", bob, ""), &customers)
	if c := customers.Customers; len(c) != 1 || c[0].CustomerID != "cus_1" || c[0].Source != "manual" || c[0].EmailHint != "c***@example.com" || c[0].LastPaidAt == "" {
		t.Errorf("bob's customers = %+v", c)
	}
	var activity struct {
		Days []struct {
			Date            string
			Clicks, Signups int64
		} `json:"days"`
	}
	decode(t, ts.api(http.MethodGet, "/partners/me/activity", jane, ""), &activity)
	if d := activity.Days; len(d) != 30 || d[29].Date != time.Now().UTC().Format("2006-01-02") || d[29].Clicks != 1 || d[29].Signups != 0 {
		t.Errorf("jane's activity ends %+v", d[len(d)-1])
	}
	var list struct {
		Partners []struct {
			PartnerID string `json:"partner_id"`
		} `json:"partners"`
	}
	decode(t, ts.api(http.MethodGet, "/partners?q=bob", admin, ""), &list)
	if len(list.Partners) != 1 || list.Partners[0].PartnerID != b.PartnerID {
		t.Errorf("search for bob = %+v", list.Partners)
	}
}

// A customer id may hold a slash (any printable ASCII but space and #):
// encoded as %2F it stays one path parameter, as behind API Gateway.
func TestAttributionOfCustomerIDWithSlash(t *testing.T) {
	ts := newTestStack(t)
	jane, admin := ts.user("jane", false), ts.user("ops", true)
	ts.enroll(jane, `{"code":"jane"}`)
	wantOK(t, ts.webhook(delivery{id: "msg_slash", body: customerCreated("org/42", "carol@example.com", "")}))
	r := ts.api(http.MethodGet, "/customers/"+url.PathEscape("org/42")+"/attribution", admin, "")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET /customers/org%%2F42/attribution: %d %s", r.StatusCode, r.body)
	}
}
