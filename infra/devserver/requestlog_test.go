package main

import (
	"net/http"
	"testing"
)

// TestRequestLog checks that every request through the gateway, answered
// by a function or refused by the gateway itself, logs one JSON line with
// the id the answer carries in X-Request-Id.
func TestRequestLog(t *testing.T) {
	ts := newTestStack(t)
	token := ts.user("u-log", false)
	p := ts.enroll(token, "")
	ts.logs.take(t)
	tests := []struct {
		name         string
		method, path string
		header       http.Header
		want         map[string]any
	}{
		{"redirect", http.MethodGet, "/r/" + p.Code, nil,
			map[string]any{"method": "GET", "route": "/r/{code}", "status": 302.0}},
		{"partner", http.MethodGet, "/partners/" + p.PartnerID, http.Header{"Authorization": {"Bearer " + token}},
			map[string]any{"method": "GET", "route": "/partners/{id}", "status": 200.0, "partner_id": p.PartnerID}},
		{"refused by the function", http.MethodGet, "/partners/pt_nobody", http.Header{"Authorization": {"Bearer " + token}},
			map[string]any{"route": "/partners/{id}", "status": 403.0, "error_code": "forbidden"}},
		{"no token", http.MethodGet, "/partners/me", nil,
			map[string]any{"method": "GET", "route": "/partners/{id}", "status": 401.0, "error_code": "unauthorized"}},
		{"bad token", http.MethodGet, "/partners/me", http.Header{"Authorization": {"Bearer x.y.z"}},
			map[string]any{"status": 401.0, "error_code": "unauthorized"}},
		{"no route", http.MethodGet, "/nowhere", nil,
			map[string]any{"method": "GET", "status": 404.0, "error_code": "not_found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := ts.do(tt.method, tt.path, tt.header, "")
			id := resp.Header.Get("X-Request-Id")
			if id == "" {
				t.Errorf("no X-Request-Id header")
			}
			var got []map[string]any
			for _, l := range ts.logs.take(t) {
				if l["msg"] == "request" {
					got = append(got, l)
				}
			}
			if len(got) != 1 {
				t.Fatalf("%d request lines, want 1: %v", len(got), got)
			}
			if got[0]["request_id"] != id {
				t.Errorf("request_id = %v, want the header's %q", got[0]["request_id"], id)
			}
			for k, v := range tt.want {
				if got[0][k] != v {
					t.Errorf("%s = %v, want %v", k, got[0][k], v)
				}
			}
		})
	}
}
