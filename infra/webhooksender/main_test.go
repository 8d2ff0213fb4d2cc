package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"partnerkit/shared/webhook"
)

// The published Standard Webhooks test vector: a sender that matches it
// interoperates with any verifier, not only partnerkit's.
const (
	specSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTimestamp = 1614265330
	specBody      = `{"test": 2432232314}`
	specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignSpecVector(t *testing.T) {
	got, err := sign(specSecret, specID, specTimestamp, []byte(specBody))
	if err != nil || got != specSignature {
		t.Errorf("sign = %q, %v; want %q", got, err, specSignature)
	}
	for _, bad := range []string{"whsec_!!!", "whsec_", ""} {
		if _, err := sign(bad, specID, specTimestamp, []byte(specBody)); err == nil {
			t.Errorf("sign accepted secret %q", bad)
		}
	}
}

func TestSignVerifies(t *testing.T) {
	now := time.Now()
	v, err := webhook.NewVerifier([]string{specSecret}, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	id, body := newID(), []byte(`{"type":"customer.created","timestamp":"2026-11-24T10:16:00Z","data":{}}`)
	sig, err := sign(specSecret, id, now.Unix(), body)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(id, strconv.FormatInt(now.Unix(), 10), sig, body); err != nil {
		t.Errorf("partnerkit's verifier refused %s: %v", sig, err)
	}
	if err := v.Verify(id, strconv.FormatInt(now.Unix(), 10), sig, append(body, ' ')); err == nil {
		t.Error("the signature also verifies another body")
	}
}

func TestRun(t *testing.T) {
	v, err := webhook.NewVerifier([]string{specSecret}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const body = `{"type":"customer.created","timestamp":"2026-11-24T10:16:00Z","data":{"customer_id":"cus_1"}}`
	var got struct {
		header http.Header
		body   string
	}
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.header, got.body = r.Header.Clone(), string(b)
		if r.Method != http.MethodPost {
			t.Errorf("method %s, want POST", r.Method)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, `{"customer_id":"cus_1","attributed":false,"reason":"no_touch"}`)
	}))
	defer srv.Close()
	env := func(k string) string {
		if k == "WEBHOOK_SECRET" {
			return specSecret + " whsec_" + strings.Repeat("A", 32)
		}
		return ""
	}

	tests := []struct {
		name     string
		args     []string
		stdin    string
		status   int
		wantCode int
		wantID   string
	}{
		{"body from stdin", []string{"-url", srv.URL, "-id", "msg_given"}, body + "\n", http.StatusOK, 0, "msg_given"},
		{"body flag, random id", []string{"-url", srv.URL, "-body", body}, "", http.StatusOK, 0, ""},
		{"refused", []string{"-url", srv.URL, "-id", "msg_refused", "-body", body}, "", http.StatusUnauthorized, 1, "msg_refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status = tt.status
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), tt.args, strings.NewReader(tt.stdin), &stdout, &stderr, env)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d; stderr %s", code, tt.wantCode, stderr.String())
			}
			h := got.header
			if got.body != body {
				t.Errorf("sent body %q, want %q", got.body, body)
			}
			if ct := h.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			id := h.Get("webhook-id")
			if tt.wantID != "" && id != tt.wantID || tt.wantID == "" && !strings.HasPrefix(id, "msg_") {
				t.Errorf("webhook-id %q, want %q", id, tt.wantID)
			}
			ts, err := strconv.ParseInt(h.Get("webhook-timestamp"), 10, 64)
			if err != nil || time.Since(time.Unix(ts, 0)).Abs() > time.Minute {
				t.Errorf("webhook-timestamp %q, want now", h.Get("webhook-timestamp"))
			}
			// Signed with the first of WEBHOOK_SECRET's secrets.
			if err := v.Verify(id, h.Get("webhook-timestamp"), h.Get("webhook-signature"), []byte(got.body)); err != nil {
				t.Errorf("webhook-signature %q does not verify: %v", h.Get("webhook-signature"), err)
			}
			out := stdout.String()
			if !strings.Contains(out, strconv.Itoa(tt.status)) || !strings.Contains(out, `"reason":"no_touch"`) || !strings.Contains(out, id) {
				t.Errorf("stdout %q, want the status, the webhook-id and the response body", out)
			}
		})
	}

	t.Run("no body", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		if code := run(t.Context(), []string{"-url", srv.URL}, strings.NewReader(" \n"), &stdout, &stderr, env); code != 2 {
			t.Errorf("exit code %d, want 2", code)
		}
	})
}

// Without -url, or with a path, the sender finds partnerkit where the local
// stack puts it: PUBLIC_BASE_URL, else http://127.0.0.1:$PORT (PORT 3000
// by default), so `PORT=3100 make run` and the sender agree.
func TestRunBaseURL(t *testing.T) {
	var gotPath string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath = r.URL.Path
		io.WriteString(w, `{"customer_id":"cus_1","attributed":false,"reason":"no_touch"}`)
	}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	const body = `{"type":"customer.created","timestamp":"2026-11-24T10:16:00Z","data":{"customer_id":"cus_1"}}`

	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantPath string
	}{
		{"PORT, default path", map[string]string{"PORT": port}, nil, "/webhooks/signup"},
		{"PORT, path given", map[string]string{"PORT": port}, []string{"-url", "/webhooks/billing"}, "/webhooks/billing"},
		{"PUBLIC_BASE_URL wins", map[string]string{"PORT": "1", "PUBLIC_BASE_URL": srv.URL + "/"}, []string{"-url", "/webhooks/billing"}, "/webhooks/billing"},
		{"absolute URL", map[string]string{"PORT": "1"}, []string{"-url", srv.URL + "/webhooks/billing"}, "/webhooks/billing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotPath = ""
			var stdout, stderr bytes.Buffer
			args := append(append([]string{}, tt.args...), "-body", body)
			code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr, func(k string) string { return tt.env[k] })
			if code != 0 || gotPath != tt.wantPath {
				t.Errorf("exit code %d, path %q; want 0, %q; stderr %s", code, gotPath, tt.wantPath, stderr.String())
			}
		})
	}

	for _, p := range []string{"abc", "0", "65536", "-1"} {
		t.Run("PORT="+p, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), []string{"-body", body}, strings.NewReader(""), &stdout, &stderr, func(k string) string {
				if k == "PORT" {
					return p
				}
				return ""
			})
			if code != 2 || !strings.Contains(stderr.String(), "PORT") {
				t.Errorf("exit code %d, stderr %q; want 2 and a word about PORT", code, stderr.String())
			}
		})
	}
}
