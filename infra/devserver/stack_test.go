package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"partnerkit/shared/config"
	"partnerkit/shared/samtemplate"
)

// testStack is the local stack of the repository's template.yaml, served
// over real HTTP on a free loopback port.
type testStack struct {
	t       *testing.T
	stack   *stack
	base    string // PUBLIC_BASE_URL, the server's own URL
	landing string // LANDING_URL
	client  *http.Client
	logs    *logBuffer // what the stack logged, also shown by go test -v
}

// logBuffer keeps log output written from the server's goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// take returns the log lines written so far, each decoded, and forgets them.
func (b *logBuffer) take(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var lines []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(b.buf.Bytes()), []byte("\n")) {
		if len(l) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("log line %s is not JSON: %v", l, err)
		}
		lines = append(lines, m)
	}
	b.buf.Reset()
	return lines
}

// newTestStack starts a stack with an empty embedded store. The server's
// listener is bound first, because the configuration needs its URL before
// the stack is built.
func newTestStack(t *testing.T) *testStack {
	t.Helper()
	return newTestStackWith(t, nil)
}

// newTestStackWith is newTestStack with extra configuration variables.
func newTestStackWith(t *testing.T, extra map[string]string) *testStack {
	t.Helper()
	path, err := samtemplate.Find()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	env := map[string]string{
		"PUBLIC_BASE_URL": base,
		"LANDING_URL":     base + "/_local/landing",
	}
	maps.Copy(env, extra)
	cfg, err := config.Load(func(k string) string { return env[k] }, true)
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	log := slog.New(slog.NewJSONHandler(io.MultiWriter(t.Output(), logs), nil))
	st, err := newStack(t.Context(), path, cfg, log)
	if err != nil {
		srv.Listener.Close()
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	srv.Config.Handler = st
	srv.Start()
	t.Cleanup(srv.Close)

	client := srv.Client()
	// Redirects are what is under test: never follow them.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &testStack{t: t, stack: st, base: base, landing: env["LANDING_URL"], client: client, logs: logs}
}

// response is an answer with its body read.
type response struct {
	*http.Response
	body []byte
}

// do sends a request; header may be nil. The body is sent only when not empty.
func (ts *testStack) do(method, path string, header http.Header, body string) response {
	ts.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ts.t.Context(), method, ts.base+path, r)
	if err != nil {
		ts.t.Fatal(err)
	}
	maps.Copy(req.Header, header)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		ts.t.Fatal(err)
	}
	return response{Response: resp, body: b}
}

// api sends a partner API request with "Authorization: Bearer <token>".
func (ts *testStack) api(method, path, token, body string) response {
	ts.t.Helper()
	return ts.do(method, path, http.Header{"Authorization": {"Bearer " + token}}, body)
}

// token asks /_local/token for a token of the request body req.
func (ts *testStack) token(req map[string]any) string {
	ts.t.Helper()
	b, err := json.Marshal(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	resp := ts.do(http.MethodPost, "/_local/token", nil, string(b))
	if resp.StatusCode != http.StatusOK {
		ts.t.Fatalf("POST /_local/token %s: status %d, body %s", b, resp.StatusCode, resp.body)
	}
	var out struct {
		Token string `json:"token"`
	}
	decode(ts.t, resp, &out)
	return out.Token
}

// user returns a valid token for sub; admin tokens carry partners:admin.
func (ts *testStack) user(sub string, admin bool) string {
	ts.t.Helper()
	return ts.token(map[string]any{"sub": sub, "email": sub + "@example.com", "admin": admin})
}

// enrolled is the body of POST /partners.
type enrolled struct {
	PartnerID string `json:"partner_id"`
	Code      string `json:"code"`
	Link      string `json:"link"`
}

// enroll enrolls the token's user with body, expecting 201.
func (ts *testStack) enroll(token, body string) enrolled {
	ts.t.Helper()
	resp := ts.api(http.MethodPost, "/partners", token, body)
	if resp.StatusCode != http.StatusCreated {
		ts.t.Fatalf("POST /partners %s: status %d, want 201; body %s", body, resp.StatusCode, resp.body)
	}
	var e enrolled
	decode(ts.t, resp, &e)
	return e
}

// profile is the body of GET /partners/{id}.
type profile struct {
	PartnerID string `json:"partner_id"`
	Code      string `json:"code"`
	Link      string `json:"link"`
	Status    string `json:"status"`
	Stats     struct {
		Clicks    int64            `json:"clicks"`
		Signups   int64            `json:"signups"`
		Customers int64            `json:"customers"`
		Pending   map[string]int64 `json:"pending"`
		Payable   map[string]int64 `json:"payable"`
		Paid      map[string]int64 `json:"paid"`
	} `json:"stats"`
}

// profile reads GET /partners/{id} with token, expecting 200.
func (ts *testStack) profile(token, id string) profile {
	ts.t.Helper()
	resp := ts.api(http.MethodGet, "/partners/"+id, token, "")
	if resp.StatusCode != http.StatusOK {
		ts.t.Fatalf("GET /partners/%s: status %d, want 200; body %s", id, resp.StatusCode, resp.body)
	}
	var p profile
	decode(ts.t, resp, &p)
	return p
}

// clicks returns the counted clicks of the partner id, read by an admin.
func (ts *testStack) clicks(admin, id string) int64 {
	ts.t.Helper()
	return ts.profile(admin, id).Stats.Clicks
}

// wantNotPartner checks that token's user has no partner: nothing was
// written for it.
func (ts *testStack) wantNotPartner(token string) {
	ts.t.Helper()
	wantError(ts.t, ts.api(http.MethodGet, "/partners/me", token, ""), http.StatusNotFound, "not_found")
}

func decode(t *testing.T, resp response, v any) {
	t.Helper()
	if err := json.Unmarshal(resp.body, v); err != nil {
		t.Fatalf("%s %s: body %q is not JSON: %v", resp.Request.Method, resp.Request.URL.Path, resp.body, err)
	}
}

// wantError checks a contract error: status and {"error":{"code","message"}}
// with a non-empty message and nothing else.
func wantError(t *testing.T, resp response, status int, code string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("%s %s: status %d, want %d; body %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, status, resp.body)
		return
	}
	if got, want := resp.Header.Get("Content-Type"), "application/json"; got != want {
		t.Errorf("%s %s: Content-Type %q, want %q", resp.Request.Method, resp.Request.URL.Path, got, want)
	}
	var body map[string]map[string]string
	if err := json.Unmarshal(resp.body, &body); err != nil || len(body) != 1 {
		t.Errorf("%s %s: body %s, want {\"error\":{...}}", resp.Request.Method, resp.Request.URL.Path, resp.body)
		return
	}
	e := body["error"]
	if got := e["code"]; got != code {
		t.Errorf("%s %s: error code %q, want %q; body %s", resp.Request.Method, resp.Request.URL.Path, got, code, resp.body)
	}
	if e["message"] == "" || len(e) != 2 {
		t.Errorf("%s %s: error %v, want exactly a code and a message", resp.Request.Method, resp.Request.URL.Path, e)
	}
}

// wantGateway checks an answer of the gateway itself: {"message": message}.
func wantGateway(t *testing.T, resp response, status int, message string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("%s %s: status %d, want %d; body %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, status, resp.body)
		return
	}
	var body map[string]string
	if err := json.Unmarshal(resp.body, &body); err != nil {
		t.Errorf("%s %s: body %q, want {\"message\":%q}", resp.Request.Method, resp.Request.URL.Path, resp.body, message)
		return
	}
	if want := map[string]string{"message": message}; !maps.Equal(body, want) {
		t.Errorf("%s %s: body %s, want %v", resp.Request.Method, resp.Request.URL.Path, resp.body, want)
	}
}
