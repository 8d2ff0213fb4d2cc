package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// hop is one answer of a referral link.
type hop struct {
	resp     response
	location string
	vid      string // pk_vid of Location
	visitor  bool   // Location carries pk_vid
	cookie   string // the Set-Cookie header, if any
}

// redirect requests a referral link with GET, expecting a 302.
func (ts *testStack) redirect(t *testing.T, path string, header http.Header) hop {
	t.Helper()
	return ts.redirectMethod(t, http.MethodGet, path, header)
}

func (ts *testStack) redirectMethod(t *testing.T, method, path string, header http.Header) hop {
	t.Helper()
	resp := ts.do(method, path, header, "")
	if got, want := resp.StatusCode, http.StatusFound; got != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, path, got, want, resp.body)
	}
	for name, want := range map[string]string{
		"Cache-Control":   "no-store",
		"Referrer-Policy": "strict-origin-when-cross-origin",
	} {
		if got := resp.Header.Get(name); got != want {
			t.Errorf("%s %s: %s %q, want %q", method, path, name, got, want)
		}
	}
	if got := len(resp.Header.Values("Set-Cookie")); got > 1 {
		t.Errorf("%s %s: %d Set-Cookie headers, want at most one", method, path, got)
	}
	h := hop{resp: resp, location: resp.Header.Get("Location"), cookie: resp.Header.Get("Set-Cookie")}
	u, err := url.Parse(h.location)
	if err != nil {
		t.Fatalf("%s %s: Location %q: %v", method, path, h.location, err)
	}
	h.vid = u.Query().Get("pk_vid")
	h.visitor = u.Query().Has("pk_vid")
	return h
}

func TestRedirect(t *testing.T) {
	ts := newTestStack(t)
	admin := ts.user("u-admin", true)
	a := ts.enroll(ts.user("u-a", false), "")
	b := ts.enroll(ts.user("u-b", false), `{"code":"partner-b"}`)

	first := ts.redirect(t, "/r/"+a.Code, nil)
	t.Run("first click", func(t *testing.T) {
		if !strings.HasPrefix(first.vid, "v_") {
			t.Errorf("pk_vid = %q, want a visitor id", first.vid)
		}
		if got, want := first.location, ts.landing+"?pk_vid="+first.vid; got != want {
			t.Errorf("Location = %q, want %q", got, want)
		}
		cookies := first.resp.Cookies()
		if len(cookies) != 1 {
			t.Fatalf("cookies = %v, want one pk_ref", cookies)
		}
		c := cookies[0]
		checks := []struct {
			name      string
			got, want any
		}{
			{"Name", c.Name, "pk_ref"},
			{"Path", c.Path, "/"},
			{"Max-Age", c.MaxAge, 7776000},
			{"HttpOnly", c.HttpOnly, true},
			{"SameSite", c.SameSite, http.SameSiteLaxMode},
			// PUBLIC_BASE_URL is plain http locally: browsers would drop a
			// Secure cookie there.
			{"Secure", c.Secure, false},
			{"Domain", c.Domain, ""},
			{"value set", c.Value != "", true},
		}
		for _, ck := range checks {
			if ck.got != ck.want {
				t.Errorf("pk_ref %s = %v, want %v (Set-Cookie %q)", ck.name, ck.got, ck.want, first.cookie)
			}
		}
	})

	cookie := http.Header{"Cookie": {"pk_ref=" + first.resp.Cookies()[0].Value}}
	t.Run("first touch wins", func(t *testing.T) {
		// Another partner's link, with the cookie: same visitor, no new cookie.
		got := ts.redirect(t, "/r/PARTNER-B", cookie)
		if got.vid != first.vid {
			t.Errorf("pk_vid with cookie = %q, want %q", got.vid, first.vid)
		}
		if got.cookie != "" {
			t.Errorf("Set-Cookie with a valid cookie = %q, want none", got.cookie)
		}
	})

	t.Run("tampered cookie ignored", func(t *testing.T) {
		got := ts.redirect(t, "/r/"+a.Code, http.Header{"Cookie": {"pk_ref=x" + first.resp.Cookies()[0].Value}})
		if !got.visitor || got.vid == first.vid || got.cookie == "" {
			t.Errorf("tampered cookie: pk_vid %q, Set-Cookie %q; want a new visitor and cookie", got.vid, got.cookie)
		}
	})

	// Three clicks so far: a, b with cookie, a with a tampered cookie.
	wantClicks := map[string]int64{a.PartnerID: 2, b.PartnerID: 1}
	checkClicks := func(t *testing.T) {
		t.Helper()
		for id, want := range wantClicks {
			if got := ts.clicks(admin, id); got != want {
				t.Errorf("clicks of %s = %d, want %d", id, got, want)
			}
		}
	}
	t.Run("clicks", checkClicks)

	uncounted := []struct {
		name, method, path string
		header             http.Header
	}{
		{"HEAD", http.MethodHead, "/r/" + a.Code, nil},
		{"Googlebot", http.MethodGet, "/r/" + a.Code, http.Header{"User-Agent": {"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"}}},
		{"link preview", http.MethodGet, "/r/" + a.Code, http.Header{"User-Agent": {"Slack-LinkPreview"}}},
		{"Sec-Purpose prefetch", http.MethodGet, "/r/" + a.Code, http.Header{"Sec-Purpose": {"prefetch"}}},
		{"Sec-Purpose prefetch;prerender", http.MethodGet, "/r/" + a.Code, http.Header{"Sec-Purpose": {"prefetch;prerender"}}},
		{"Purpose prefetch", http.MethodGet, "/r/" + a.Code, http.Header{"Purpose": {"prefetch"}}},
		{"unknown code", http.MethodGet, "/r/nosuchcode", nil},
		{"malformed code", http.MethodGet, "/r/no_such", nil},
	}
	for _, tt := range uncounted {
		t.Run(tt.name, func(t *testing.T) {
			got := ts.redirectMethod(t, tt.method, tt.path, tt.header)
			if got.location != ts.landing {
				t.Errorf("Location = %q, want %q", got.location, ts.landing)
			}
			if got.cookie != "" {
				t.Errorf("Set-Cookie = %q, want none", got.cookie)
			}
			checkClicks(t)
		})
	}

	t.Run("to path", func(t *testing.T) {
		got := ts.redirect(t, "/r/"+a.Code+"?to=/pricing", nil)
		if want := ts.base + "/pricing?pk_vid=" + got.vid; !got.visitor || got.location != want {
			t.Errorf("Location = %q, want %q", got.location, want)
		}
		wantClicks[a.PartnerID]++
		checkClicks(t)
	})

	to := []struct{ name, to string }{
		{"other host", "https://evil.example/"},
		{"scheme-relative", "//evil.example/"},
		{"backslashes", `\\evil.example`},
		{"user info", "https://" + strings.TrimPrefix(ts.base, "http://") + "@evil.example/"},
		{"javascript", "javascript:alert(1)"},
		{"plain http", "http://evil.example/"},
	}
	for _, tt := range to {
		t.Run("to "+tt.name, func(t *testing.T) {
			got := ts.redirect(t, "/r/"+a.Code+"?to="+url.QueryEscape(tt.to), nil)
			if want := ts.landing + "?pk_vid=" + got.vid; !got.visitor || got.location != want {
				t.Errorf("Location = %q, want %q", got.location, want)
			}
		})
	}
}
