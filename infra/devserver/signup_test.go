package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"partnerkit/shared/config"
	"partnerkit/shared/webhook"
)

// delivery is one signup webhook delivery through the gateway.
type delivery struct {
	id, body  string
	ts        int64
	signature string // "" signs with the local default WEBHOOK_SECRET
	unsigned  bool   // send no webhook-signature at all
}

// webhook POSTs d to /webhooks/signup.
func (ts *testStack) webhook(d delivery) response {
	ts.t.Helper()
	if d.ts == 0 {
		d.ts = time.Now().Unix()
	}
	h := http.Header{"Webhook-Id": {d.id}, "Webhook-Timestamp": {strconv.FormatInt(d.ts, 10)}}
	switch {
	case d.unsigned:
	case d.signature != "":
		h.Set("Webhook-Signature", d.signature)
	default:
		sig, err := webhook.Sign(config.LocalWebhookSecret, d.id, d.ts, []byte(d.body))
		if err != nil {
			ts.t.Fatal(err)
		}
		h.Set("Webhook-Signature", sig)
	}
	return ts.do(http.MethodPost, "/webhooks/signup", h, d.body)
}

// customerCreated is a customer.created body; visitor may be "".
func customerCreated(customer, email, visitor string) string {
	now := time.Now().UTC().Format(time.RFC3339Nano)
	data := map[string]string{"customer_id": customer, "email": email, "created_at": now}
	if visitor != "" {
		data["visitor_id"] = visitor
	}
	b, err := json.Marshal(map[string]any{"type": "customer.created", "timestamp": now, "data": data})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// signupAnswer is the signup webhook's answer, with the admin route's
// candidates.
type signupAnswer struct {
	CustomerID string `json:"customer_id"`
	Attributed bool   `json:"attributed"`
	PartnerID  string `json:"partner_id"`
	Source     string `json:"source"`
	TouchedAt  string `json:"touched_at"`
	Reason     string `json:"reason"`
	Candidates []struct {
		Source    string `json:"source"`
		PartnerID string `json:"partner_id"`
		TouchedAt string `json:"touched_at"`
		Outcome   string `json:"outcome"`
	} `json:"candidates"`
}

func wantOK(t *testing.T, resp response) signupAnswer {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: status %d, want 200; body %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, resp.body)
	}
	var a signupAnswer
	decode(t, resp, &a)
	return a
}

func TestSignupWebhook(t *testing.T) {
	ts := newTestStack(t)
	admin := ts.user("u-admin", true)
	alice := ts.user("u-alice", false)
	a := ts.enroll(alice, "")
	b := ts.enroll(ts.user("u-bob", false), "")
	vid := ts.redirect(t, "/r/"+a.Code, nil).vid

	firstBody := customerCreated("cus_1", "carol@example.com", vid)
	first := ts.webhook(delivery{id: "msg_1", body: firstBody})
	got := wantOK(t, first)
	if !got.Attributed || got.CustomerID != "cus_1" || got.PartnerID != a.PartnerID || got.Source != "click" || got.TouchedAt == "" {
		t.Errorf("signup answer %s, want cus_1 attributed to %s by click", first.body, a.PartnerID)
	}
	if ct := first.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}

	t.Run("replay", func(t *testing.T) {
		// The same delivery again (under a new timestamp, as senders
		// retry): the first response. The same webhook-id with other data
		// or a body it would refuse: 409. Nothing changed either way.
		again := ts.webhook(delivery{id: "msg_1", ts: time.Now().Unix() + 1, body: firstBody})
		if again.StatusCode != http.StatusOK || string(again.body) != string(first.body) {
			t.Errorf("replay of msg_1: %d %s, want 200 %s", again.StatusCode, again.body, first.body)
		}
		wantError(t, ts.webhook(delivery{id: "msg_1", body: customerCreated("cus_other", "dave@example.com", "")}), http.StatusConflict, "conflict")
		wantError(t, ts.webhook(delivery{id: "msg_1", body: `{}`}), http.StatusConflict, "conflict")
		wantError(t, ts.api(http.MethodGet, "/customers/cus_other/attribution", admin, ""), http.StatusNotFound, "not_found")
	})

	t.Run("later signup keeps the attribution", func(t *testing.T) {
		bVid := ts.redirect(t, "/r/"+b.Code, nil).vid
		r := wantOK(t, ts.webhook(delivery{id: "msg_2", body: customerCreated("cus_1", "carol@example.com", bVid)}))
		if r.PartnerID != a.PartnerID {
			t.Errorf("cus_1 again with B's visitor: partner %q, want %q", r.PartnerID, a.PartnerID)
		}
		if s := ts.profile(admin, a.PartnerID).Stats.Signups; s != 1 {
			t.Errorf("signups of A = %d, want 1", s)
		}
		if s := ts.profile(admin, b.PartnerID).Stats.Signups; s != 0 {
			t.Errorf("signups of B = %d, want 0", s)
		}
	})

	t.Run("no touch", func(t *testing.T) {
		r := wantOK(t, ts.webhook(delivery{id: "msg_3", body: customerCreated("cus_3", "erin@example.com", "")}))
		if r.Attributed || r.Reason != "no_touch" || r.PartnerID != "" {
			t.Errorf("signup without touches = %+v, want attributed false, no_touch", r)
		}
	})

	t.Run("admin attribution route", func(t *testing.T) {
		why := wantOK(t, ts.api(http.MethodGet, "/customers/cus_1/attribution", admin, ""))
		if why.PartnerID != a.PartnerID || why.Source != "click" || why.TouchedAt != got.TouchedAt {
			t.Errorf("attribution %+v, want the webhook's decision %s", why, first.body)
		}
		if len(why.Candidates) != 1 || why.Candidates[0].Outcome != "won" || why.Candidates[0].PartnerID != a.PartnerID || why.Candidates[0].Source != "click" {
			t.Errorf("candidates %+v, want A's click, won", why.Candidates)
		}
		wantError(t, ts.api(http.MethodGet, "/customers/cus_1/attribution", alice, ""), http.StatusForbidden, "forbidden")
		wantError(t, ts.api(http.MethodGet, "/customers/nobody/attribution", admin, ""), http.StatusNotFound, "not_found")
		wantGateway(t, ts.do(http.MethodGet, "/customers/cus_1/attribution", nil, ""), http.StatusUnauthorized, "Unauthorized")
	})
}

func TestSignupWebhookRefusals(t *testing.T) {
	ts := newTestStack(t)
	admin := ts.user("u-admin", true)
	a := ts.enroll(ts.user("u-alice", false), "")
	vid := ts.redirect(t, "/r/"+a.Code, nil).vid
	good := customerCreated("cus_r", "carol@example.com", vid)
	stale := time.Now().Add(-6 * time.Minute).Unix()
	staleSig, err := webhook.Sign(config.LocalWebhookSecret, "msg_r", stale, []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	otherSig, err := webhook.Sign("whsec_"+strings.Repeat("A", 32), "msg_r", time.Now().Unix(), []byte(good))
	if err != nil {
		t.Fatal(err)
	}

	refused := []struct {
		name   string
		d      delivery
		status int
		code   string
	}{
		{"no signature", delivery{id: "msg_r", body: good, unsigned: true}, http.StatusUnauthorized, "invalid_signature"},
		{"other secret", delivery{id: "msg_r", body: good, signature: otherSig}, http.StatusUnauthorized, "invalid_signature"},
		{"stale", delivery{id: "msg_r", body: good, ts: stale, signature: staleSig}, http.StatusUnauthorized, "invalid_signature"},
		{"no webhook-id", delivery{body: good}, http.StatusUnauthorized, "invalid_signature"},
		{"malformed JSON", delivery{id: "msg_r", body: `{"type":`}, http.StatusBadRequest, "invalid_request"},
		{"unknown type", delivery{id: "msg_r", body: strings.Replace(good, "customer.created", "customer.deleted", 1)}, http.StatusBadRequest, "invalid_request"},
		{"no customer_id", delivery{id: "msg_r", body: customerCreated("", "carol@example.com", vid)}, http.StatusBadRequest, "invalid_request"},
		// Over 64 KiB: refused for its size before the (valid) signature is checked.
		{"over 64 KiB", delivery{id: "msg_r", body: fmt.Sprintf(`{"pad":%q}`, strings.Repeat("a", 64<<10))}, http.StatusRequestEntityTooLarge, "payload_too_large"},
		{"over 64 KiB, unsigned", delivery{id: "msg_r", body: fmt.Sprintf(`{"pad":%q}`, strings.Repeat("a", 64<<10)), unsigned: true}, http.StatusRequestEntityTooLarge, "payload_too_large"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, ts.webhook(tt.d), tt.status, tt.code)
		})
	}

	// Nothing was written: no attribution, no signup counted, and msg_r
	// is not remembered, so its correct delivery now goes through.
	wantError(t, ts.api(http.MethodGet, "/customers/cus_r/attribution", admin, ""), http.StatusNotFound, "not_found")
	if s := ts.profile(admin, a.PartnerID).Stats.Signups; s != 0 {
		t.Errorf("signups after refusals = %d, want 0", s)
	}
	r := wantOK(t, ts.webhook(delivery{id: "msg_r", body: good}))
	if !r.Attributed || r.PartnerID != a.PartnerID {
		t.Errorf("good delivery after refusals = %+v, want attributed to %s", r, a.PartnerID)
	}
}
