package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"partnerkit/shared/samtemplate"
)

func TestInvoke(t *testing.T) {
	ts := newTestStack(t)

	t.Run("RedirectFunction", func(t *testing.T) {
		event := `{"version":"2.0","routeKey":"GET /r/{code}","rawPath":"/r/nosuchcode",
			"headers":{"user-agent":"curl/8.5.0"},"pathParameters":{"code":"nosuchcode"},
			"requestContext":{"http":{"method":"GET","path":"/r/nosuchcode"}}}`
		resp := ts.do(http.MethodPost, "/_local/invoke/RedirectFunction", nil, event)
		if got, want := resp.StatusCode, http.StatusOK; got != want {
			t.Fatalf("status %d, want %d; body %s", got, want, resp.body)
		}
		if got := resp.Header.Get("X-Amz-Function-Error"); got != "" {
			t.Errorf("X-Amz-Function-Error = %q, want none", got)
		}
		var out struct {
			StatusCode int               `json:"statusCode"`
			Headers    map[string]string `json:"headers"`
			Cookies    []string          `json:"cookies"`
		}
		decode(t, resp, &out)
		if got, want := out.StatusCode, http.StatusFound; got != want {
			t.Errorf("statusCode = %d, want %d", got, want)
		}
		if got, want := out.Headers["Location"], ts.landing; got != want {
			t.Errorf("Location = %q, want %q", got, want)
		}
		if len(out.Cookies) != 0 {
			t.Errorf("cookies = %v, want none", out.Cookies)
		}
	})

	t.Run("function error", func(t *testing.T) {
		// An event that is not an object fails in the runtime's decoding,
		// which Lambda reports as an unhandled function error.
		resp := ts.do(http.MethodPost, "/_local/invoke/RedirectFunction", nil, `[1,2]`)
		if got, want := resp.StatusCode, http.StatusOK; got != want {
			t.Fatalf("status %d, want %d; body %s", got, want, resp.body)
		}
		if got, want := resp.Header.Get("X-Amz-Function-Error"), "Unhandled"; got != want {
			t.Errorf("X-Amz-Function-Error = %q, want %q", got, want)
		}
		var out map[string]string
		decode(t, resp, &out)
		if out["errorMessage"] == "" || out["errorType"] == "" || len(out) != 2 {
			t.Errorf("body = %s, want errorMessage and errorType", resp.body)
		}
	})

	errs := []struct {
		name, path, body string
		status           int
		code             string
	}{
		{"unknown function", "/_local/invoke/NoSuchFunction", `{}`, http.StatusNotFound, "not_found"},
		{"event not JSON", "/_local/invoke/RedirectFunction", `not json`, http.StatusBadRequest, "invalid_request"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, ts.do(http.MethodPost, tt.path, nil, tt.body), tt.status, tt.code)
		})
	}
}

func TestOutbox(t *testing.T) {
	ts := newTestStack(t)
	resp := ts.do(http.MethodGet, "/_local/outbox", nil, "")
	if got, want := resp.StatusCode, http.StatusOK; got != want {
		t.Fatalf("status %d, want %d; body %s", got, want, resp.body)
	}
	var out map[string]json.RawMessage
	decode(t, resp, &out)
	if got, want := string(out["emails"]), "[]"; got != want || len(out) != 1 {
		t.Errorf("body = %s, want {\"emails\":[]}", resp.body)
	}
}

func TestLanding(t *testing.T) {
	ts := newTestStack(t)
	resp := ts.do(http.MethodGet, "/_local/landing?pk_vid=v_abc", nil, "")
	if got, want := resp.StatusCode, http.StatusOK; got != want {
		t.Fatalf("status %d, want %d", got, want)
	}
	if got, want := resp.Header.Get("Content-Type"), "text/html; charset=utf-8"; got != want {
		t.Errorf("Content-Type = %q, want %q", got, want)
	}
	if !strings.Contains(string(resp.body), "v_abc") {
		t.Errorf("landing page does not show the pk_vid: %s", resp.body)
	}
	resp = ts.do(http.MethodGet, "/_local/landing?pk_vid=<script>", nil, "")
	if strings.Contains(string(resp.body), "<script>") {
		t.Errorf("landing page echoes pk_vid unescaped: %s", resp.body)
	}
}

func TestUnknownRoutes(t *testing.T) {
	ts := newTestStack(t)
	tok := ts.user("u1", false)
	tests := []struct{ name, method, path string }{
		{"no such path", http.MethodGet, "/nope"},
		{"root", http.MethodGet, "/"},
		{"method not routed", http.MethodDelete, "/partners/me"},
		{"PUT /partners", http.MethodPut, "/partners"},
		{"extra segment", http.MethodGet, "/r/abc/def/ghi"},
		{"no code", http.MethodGet, "/r/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A route that does not exist is 404 before any token check.
			wantGateway(t, ts.api(tt.method, tt.path, tok, ""), http.StatusNotFound, "Not Found")
			wantGateway(t, ts.do(tt.method, tt.path, nil, ""), http.StatusNotFound, "Not Found")
		})
	}
	t.Run("unknown local route", func(t *testing.T) {
		wantError(t, ts.do(http.MethodGet, "/_local/nope", nil, ""), http.StatusNotFound, "not_found")
	})
}

func TestMatch(t *testing.T) {
	routes := []samtemplate.Route{
		{Method: "GET", Path: "/r/{code}", Function: "R"},
		{Method: "HEAD", Path: "/r/{code}", Function: "R"},
		{Method: "POST", Path: "/partners", Function: "P"},
		{Method: "GET", Path: "/partners/{id}", Function: "P"},
		{Method: "GET", Path: "/files/{path+}", Function: "F"},
	}
	tests := []struct {
		method, path string
		wantOK       bool
		wantRoute    string
		wantParams   map[string]string
	}{
		{"GET", "/r/abc", true, "GET /r/{code}", map[string]string{"code": "abc"}},
		{"HEAD", "/r/abc", true, "HEAD /r/{code}", map[string]string{"code": "abc"}},
		{"POST", "/r/abc", false, "", nil},
		{"POST", "/partners", true, "POST /partners", map[string]string{}},
		{"GET", "/partners/me", true, "GET /partners/{id}", map[string]string{"id": "me"}},
		{"GET", "/partners", false, "", nil},
		{"GET", "/partners/a/b", false, "", nil},
		{"GET", "/partners/a%2Fb", true, "GET /partners/{id}", map[string]string{"id": "a/b"}},
		{"GET", "/partners/%3Cx%3E", true, "GET /partners/{id}", map[string]string{"id": "<x>"}},
		{"GET", "/files/a/b/c", true, "GET /files/{path+}", map[string]string{"path": "a/b/c"}},
		{"GET", "/files", false, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r, params, ok := match(routes, tt.method, tt.path)
			if ok != tt.wantOK {
				t.Fatalf("match ok = %v, want %v", ok, tt.wantOK)
			}
			if !ok {
				return
			}
			if got := r.Method + " " + r.Path; got != tt.wantRoute {
				t.Errorf("route = %q, want %q", got, tt.wantRoute)
			}
			if len(params) != len(tt.wantParams) {
				t.Errorf("params = %v, want %v", params, tt.wantParams)
			}
			for k, want := range tt.wantParams {
				if got := params[k]; got != want {
					t.Errorf("param %s = %q, want %q", k, got, want)
				}
			}
		})
	}
}
