package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// hookReceiver is a loopback endpoint that keeps the events whose
// signature verifies with its secret.
type hookReceiver struct {
	mu     sync.Mutex
	secret string
	got    []map[string]any
	ids    []string
	bad    int
	srv    *httptest.Server
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		wh, err := standardwebhooks.NewWebhook(r.secret)
		if err == nil {
			err = wh.Verify(body, req.Header)
		}
		if err != nil {
			r.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var e map[string]any
		json.Unmarshal(body, &e)
		r.got = append(r.got, e)
		r.ids = append(r.ids, req.Header.Get("webhook-id"))
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *hookReceiver) setSecret(s string) {
	r.mu.Lock()
	r.secret = s
	r.mu.Unlock()
}

// wait returns the events received once there are n, or fails after 10 s.
func (r *hookReceiver) wait(t *testing.T, n int) []map[string]any {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		r.mu.Lock()
		got := append([]map[string]any(nil), r.got...)
		r.mu.Unlock()
		if len(got) >= n {
			return got
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	t.Fatalf("received %d events (%d refused signatures), want %d", len(r.got), r.bad, n)
	return nil
}

type endpointAnswer struct {
	ID            string   `json:"endpoint_id"`
	URL           string   `json:"url"`
	Events        []string `json:"events"`
	Status        string   `json:"status"`
	Secret        string   `json:"secret"`
	PreviousUntil string   `json:"previous_secret_valid_until"`
}

func TestWebhookEndpointsDeliverEvents(t *testing.T) {
	ts := newTestStack(t)
	admin := ts.user("u-admin", true)
	rcv := newHookReceiver(t)

	resp := ts.api(http.MethodPost, "/webhook-endpoints", admin,
		`{"url":"`+rcv.srv.URL+`/hooks","events":["partner.enrolled","partner.suspended"],"description":"CRM"}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /webhook-endpoints: %d %s", resp.StatusCode, resp.body)
	}
	var ep endpointAnswer
	decode(t, resp, &ep)
	if !strings.HasPrefix(ep.Secret, "whsec_") || ep.Status != "enabled" {
		t.Fatalf("new endpoint = %+v, want enabled with a whsec_ secret", ep)
	}
	rcv.setSecret(ep.Secret)

	// The secret is shown once.
	for _, path := range []string{"/webhook-endpoints", "/webhook-endpoints/" + ep.ID} {
		r := ts.api(http.MethodGet, path, admin, "")
		if r.StatusCode != http.StatusOK || strings.Contains(string(r.body), "whsec_") {
			t.Errorf("GET %s: %d %s; want 200 without the secret", path, r.StatusCode, r.body)
		}
	}

	alice := ts.user("u-alice", false)
	p := ts.enroll(alice, `{"name":"Alice"}`)
	if r := ts.api(http.MethodPatch, "/partners/"+p.PartnerID, admin, `{"status":"suspended"}`); r.StatusCode != http.StatusOK {
		t.Fatalf("suspending: %d %s", r.StatusCode, r.body)
	}
	got := rcv.wait(t, 2)
	if got[0]["type"] != "partner.enrolled" || got[1]["type"] != "partner.suspended" {
		t.Fatalf("received %v, want partner.enrolled then partner.suspended", got)
	}
	for i, e := range got {
		if e["partner_id"] != p.PartnerID || e["id"] != rcv.ids[i] {
			t.Errorf("event %v: want partner %s and webhook-id %s = its id", e, p.PartnerID, rcv.ids[i])
		}
	}

	// The log shows both delivered, with the response code.
	var log struct {
		Deliveries []struct {
			EventID  string `json:"event_id"`
			Status   string `json:"status"`
			Attempts int    `json:"attempts"`
			Code     *int   `json:"last_response_code"`
		} `json:"deliveries"`
	}
	r := ts.api(http.MethodGet, "/webhook-endpoints/"+ep.ID+"/deliveries", admin, "")
	decode(t, r, &log)
	if len(log.Deliveries) != 2 || strings.Contains(string(r.body), "whsec_") {
		t.Fatalf("deliveries: %s", r.body)
	}
	for _, d := range log.Deliveries {
		if d.Status != "delivered" || d.Attempts != 1 || d.Code == nil || *d.Code != 204 {
			t.Errorf("delivery %+v, want delivered at the first attempt with 204", d)
		}
	}

	// Redelivery sends the same event again, under the same webhook-id.
	first := log.Deliveries[1].EventID
	if r := ts.api(http.MethodPost, "/webhook-endpoints/"+ep.ID+"/deliveries/"+first+"/redeliver", admin, ""); r.StatusCode != http.StatusAccepted {
		t.Fatalf("redeliver: %d %s", r.StatusCode, r.body)
	}
	rcv.wait(t, 3)
	if rcv.ids[2] != first {
		t.Errorf("redelivered webhook-id %s, want %s", rcv.ids[2], first)
	}

	// A test event is sent at once and answered.
	r = ts.api(http.MethodPost, "/webhook-endpoints/"+ep.ID+"/test", admin, "")
	var test struct {
		Status string `json:"status"`
		Code   int    `json:"last_response_code"`
		Type   string `json:"event_type"`
	}
	decode(t, r, &test)
	if r.StatusCode != http.StatusOK || test.Status != "delivered" || test.Code != 204 || test.Type != "webhook.test" {
		t.Errorf("test: %d %s", r.StatusCode, r.body)
	}

	// Rotation: the new secret is shown once, and the old one still signs,
	// so a receiver that knows only the old one keeps verifying.
	r = ts.api(http.MethodPost, "/webhook-endpoints/"+ep.ID+"/rotate", admin, "")
	var rotated endpointAnswer
	decode(t, r, &rotated)
	if r.StatusCode != http.StatusOK || rotated.Secret == ep.Secret || !strings.HasPrefix(rotated.Secret, "whsec_") || rotated.PreviousUntil == "" {
		t.Fatalf("rotate: %d %s", r.StatusCode, r.body)
	}
	if r := ts.api(http.MethodPost, "/webhook-endpoints/"+ep.ID+"/test", admin, ""); !strings.Contains(string(r.body), `"delivered"`) {
		t.Errorf("after rotation, the old secret no longer verifies: %s", r.body)
	}
	rcv.setSecret(rotated.Secret)
	if r := ts.api(http.MethodPost, "/webhook-endpoints/"+ep.ID+"/test", admin, ""); !strings.Contains(string(r.body), `"delivered"`) {
		t.Errorf("after rotation, the new secret does not verify: %s", r.body)
	}

	// An admin disables it, and the endpoint says who did.
	if r := ts.api(http.MethodPatch, "/webhook-endpoints/"+ep.ID, admin, `{"status":"disabled"}`); r.StatusCode != http.StatusOK || !strings.Contains(string(r.body), `"disabled_reason":"admin"`) {
		t.Fatalf("disable: %d %s", r.StatusCode, r.body)
	}

	if r := ts.api(http.MethodDelete, "/webhook-endpoints/"+ep.ID, admin, ""); r.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.StatusCode, r.body)
	}
	if r := ts.api(http.MethodGet, "/webhook-endpoints/"+ep.ID, admin, ""); r.StatusCode != http.StatusNotFound {
		t.Errorf("deleted endpoint: %d %s", r.StatusCode, r.body)
	}
}

func TestWebhookEndpointsRefuseBadInput(t *testing.T) {
	ts := newTestStack(t)
	admin := ts.user("u-admin", true)
	long := "https://example.com/" + strings.Repeat("a", 2048)
	for _, c := range []struct{ name, body string }{
		{"plain http to a public host", `{"url":"http://example.com/hook","events":["payout.paid"]}`},
		{"private address", `{"url":"https://10.0.0.7/hook","events":["payout.paid"]}`},
		{"metadata service", `{"url":"https://169.254.169.254/latest/meta-data","events":["payout.paid"]}`},
		{"CGNAT", `{"url":"https://100.64.1.1/hook","events":["payout.paid"]}`},
		{"IPv6 unique local", `{"url":"https://[fd00:ec2::254]/hook","events":["payout.paid"]}`},
		{"IPv4-mapped private", `{"url":"https://[::ffff:192.168.1.1]/hook","events":["payout.paid"]}`},
		{"multicast", `{"url":"https://224.0.0.1/hook","events":["payout.paid"]}`},
		{"user info", `{"url":"https://user:pw@example.com/hook","events":["payout.paid"]}`},
		{"too long", `{"url":"` + long + `","events":["payout.paid"]}`},
		{"other scheme", `{"url":"ftp://example.com/hook","events":["payout.paid"]}`},
		{"relative", `{"url":"/hook","events":["payout.paid"]}`},
		{"unknown event", `{"url":"https://127.0.0.1/hook","events":["payout.paid","payout.failed"]}`},
		{"test event", `{"url":"https://127.0.0.1/hook","events":["webhook.test"]}`},
		{"no events", `{"url":"https://127.0.0.1/hook","events":[]}`},
		{"no url", `{"events":["payout.paid"]}`},
		{"unknown field", `{"url":"https://127.0.0.1/hook","events":["payout.paid"],"secret":"whsec_x"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := ts.api(http.MethodPost, "/webhook-endpoints", admin, c.body)
			if r.StatusCode != http.StatusBadRequest || !strings.Contains(string(r.body), `"invalid_request"`) {
				t.Errorf("status %d %s, want 400 invalid_request", r.StatusCode, r.body)
			}
		})
	}
	if r := ts.api(http.MethodGet, "/webhook-endpoints", admin, ""); !strings.Contains(string(r.body), `"endpoints":[]`) {
		t.Errorf("a refused endpoint was kept: %s", r.body)
	}
	partner := ts.user("u-partner", false)
	for _, c := range []struct{ method, path, body string }{
		{http.MethodPost, "/webhook-endpoints", `{"url":"https://127.0.0.1/hook","events":["payout.paid"]}`},
		{http.MethodGet, "/webhook-endpoints", ""},
		{http.MethodGet, "/webhook-endpoints/ep_x/deliveries", ""},
	} {
		if r := ts.api(c.method, c.path, partner, c.body); r.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s by a partner: %d, want 403", c.method, c.path, r.StatusCode)
		}
	}
	if r := ts.api(http.MethodGet, "/webhook-endpoints/ep_missing", admin, ""); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown endpoint: %d", r.StatusCode)
	}
}

func TestWebhookEndpointListPages(t *testing.T) {
	ts := newTestStack(t)
	admin := ts.user("u-admin", true)
	for range 3 {
		if r := ts.api(http.MethodPost, "/webhook-endpoints", admin, `{"url":"https://127.0.0.1/hook","events":["payout.paid"]}`); r.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", r.StatusCode, r.body)
		}
	}
	var seen []string
	path := "/webhook-endpoints?limit=2"
	for range 3 {
		var page struct {
			Endpoints  []endpointAnswer `json:"endpoints"`
			NextCursor string           `json:"next_cursor"`
		}
		decode(t, ts.api(http.MethodGet, path, admin, ""), &page)
		for _, e := range page.Endpoints {
			seen = append(seen, e.ID)
		}
		if page.NextCursor == "" {
			break
		}
		path = "/webhook-endpoints?limit=2&cursor=" + page.NextCursor
	}
	if len(seen) != 3 || seen[0] == seen[1] || seen[1] == seen[2] {
		t.Errorf("pages listed %v, want the 3 endpoints once each", seen)
	}
	if r := ts.api(http.MethodGet, "/webhook-endpoints?limit=0", admin, ""); r.StatusCode != http.StatusBadRequest {
		t.Errorf("limit=0: %d", r.StatusCode)
	}
	if r := ts.api(http.MethodGet, "/webhook-endpoints?cursor=garbage", admin, ""); r.StatusCode != http.StatusBadRequest {
		t.Errorf("a foreign cursor: %d", r.StatusCode)
	}
}
