package main

import (
	"net/http"
	"testing"
)

// Browsers on ALLOWED_ORIGINS may call the API, as API Gateway's CORS
// configuration lets them in AWS; other origins get no CORS headers.
func TestCORS(t *testing.T) {
	ts := newTestStackWith(t, map[string]string{"ALLOWED_ORIGINS": "http://app.example.test:8080"})
	tok := ts.user("cors-1", false)

	pre := ts.do(http.MethodOptions, "/partners/me", http.Header{
		"Origin": {"http://app.example.test:8080"}, "Access-Control-Request-Method": {"GET"},
		"Access-Control-Request-Headers": {"authorization"},
	}, "")
	if pre.StatusCode != http.StatusNoContent || pre.Header.Get("Access-Control-Allow-Origin") != "http://app.example.test:8080" ||
		pre.Header.Get("Access-Control-Allow-Headers") != "authorization, content-type" || pre.Header.Get("Access-Control-Allow-Methods") == "" {
		t.Errorf("preflight = %d %v, want 204 allowing the origin and the Authorization header", pre.StatusCode, pre.Header)
	}

	got := ts.do(http.MethodGet, "/partners/me", http.Header{"Origin": {"http://app.example.test:8080"}, "Authorization": {"Bearer " + tok}}, "")
	if got.Header.Get("Access-Control-Allow-Origin") != "http://app.example.test:8080" || got.Header.Get("Access-Control-Expose-Headers") == "" {
		t.Errorf("GET from an allowed origin: headers %v", got.Header)
	}

	for _, origin := range []string{"http://evil.example.test", "null"} {
		pre := ts.do(http.MethodOptions, "/partners/me", http.Header{"Origin": {origin}, "Access-Control-Request-Method": {"GET"}}, "")
		get := ts.do(http.MethodGet, "/partners/me", http.Header{"Origin": {origin}, "Authorization": {"Bearer " + tok}}, "")
		if pre.Header.Get("Access-Control-Allow-Origin") != "" || get.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("origin %s was allowed: %v / %v", origin, pre.Header, get.Header)
		}
	}
}
