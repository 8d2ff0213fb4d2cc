package referral

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func testRedirects(t testing.TB) *Redirects {
	t.Helper()
	r, err := NewRedirects("https://www.example.com/welcome?ref=partner#top", []string{"app.example.com", "Docs.Example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestResolve(t *testing.T) {
	r := testRedirects(t)
	landing := "https://www.example.com/welcome?ref=partner&pk_vid=v1#top"
	tests := []struct{ to, want string }{
		{"", landing},
		{"/pricing", "https://www.example.com/pricing?pk_vid=v1"},
		{"/pricing?plan=pro#faq", "https://www.example.com/pricing?plan=pro&pk_vid=v1#faq"},
		{"/p?pk_vid=forged&x=1", "https://www.example.com/p?x=1&pk_vid=v1"},
		{"https://app.example.com/signup", "https://app.example.com/signup?pk_vid=v1"},
		{"HTTPS://APP.EXAMPLE.COM", "https://app.example.com?pk_vid=v1"},
		{"https://docs.example.com:443/a", "https://docs.example.com/a?pk_vid=v1"},
		{"https://www.example.com/x", "https://www.example.com/x?pk_vid=v1"},
		// Hostile or unsupported values fall back to the landing URL.
		{"//evil.com", landing},
		{"///evil.com", landing},
		{`\\evil.com`, landing},
		{`/\evil.com`, landing},
		{"https://app.example.com@evil.com/", landing},
		{"https://evil.com/", landing},
		{"https://sub.app.example.com/", landing},
		{"https://app.example.com:8443/", landing},
		{"http://app.example.com/", landing},
		{"javascript:alert(1)", landing},
		{"data:text/html,hi", landing},
		{"pricing", landing},
		{"/ok\r\nLocation: https://evil.com", landing},
		{"https://evil.com%2eapp.example.com/", landing},
		{"https:evil.com", landing},
		{"/" + strings.Repeat("a", 3000), landing},
	}
	for _, tt := range tests {
		if got := r.Resolve(tt.to).WithVisitor("v1"); got != tt.want {
			t.Errorf("Resolve(%q) = %q, want %q", tt.to, got, tt.want)
		}
	}
	if got, want := r.Resolve("/pricing").URL(), "https://www.example.com/pricing"; got != want {
		t.Errorf("URL() = %q, want %q", got, want)
	}
}

// allowedLocation reports whether a browser following loc stays on one of
// the allowed origins: the authority ends at the first of / ? # or the end.
func allowedLocation(loc string) bool {
	for _, origin := range []string{"https://www.example.com", "https://app.example.com", "https://docs.example.com"} {
		if strings.HasPrefix(loc, origin) {
			rest := loc[len(origin):]
			if rest == "" || strings.ContainsRune("/?#", rune(rest[0])) {
				return !strings.ContainsAny(loc, "\\\r\n\t ")
			}
		}
	}
	return false
}

func FuzzResolve(f *testing.F) {
	for _, s := range []string{"/pricing", "//evil", `\\evil`, "https://app.example.com/x?y#z", "https://ok@evil", "javascript:x", "/%2f%2fevil", "https://app.example.com%40evil.com"} {
		f.Add(s)
	}
	r := testRedirects(f)
	f.Fuzz(func(t *testing.T, to string) {
		for _, loc := range []string{r.Resolve(to).WithVisitor("v_x"), r.Resolve(to).URL()} {
			if !allowedLocation(loc) {
				t.Fatalf("Resolve(%q) = %q: leaves the allowed hosts", to, loc)
			}
			u, err := url.Parse(loc)
			if err != nil || u.User != nil {
				t.Fatalf("Resolve(%q) = %q: unparseable or has user info (%v)", to, loc, err)
			}
		}
	})
}

func TestWithParams(t *testing.T) {
	r := testRedirects(t)
	tests := []struct{ to, raw, want string }{
		{"", "utm_source=news&utm_medium=email", "https://www.example.com/welcome?ref=partner&utm_source=news&utm_medium=email&pk_vid=v1#top"},
		{"/pricing", "to=%2Fpricing&sid=footer&inv=abc", "https://www.example.com/pricing?sid=footer&pk_vid=v1"},
		{"/pricing?plan=pro", "utm_campaign=spring%20sale&flag", "https://www.example.com/pricing?plan=pro&utm_campaign=spring%20sale&flag&pk_vid=v1"},
		{"", "pk_vid=forged&x=1&&", "https://www.example.com/welcome?ref=partner&x=1&pk_vid=v1#top"},
		{"", "to=/x&inv=t", "https://www.example.com/welcome?ref=partner&pk_vid=v1#top"},
		{"", "bad=a b", "https://www.example.com/welcome?ref=partner&pk_vid=v1#top"},
		{"", "x=1#frag", "https://www.example.com/welcome?ref=partner&pk_vid=v1#top"},
		{"", "", "https://www.example.com/welcome?ref=partner&pk_vid=v1#top"},
	}
	for _, tt := range tests {
		if got := r.Resolve(tt.to).WithParams(tt.raw).WithVisitor("v1"); got != tt.want {
			t.Errorf("Resolve(%q).WithParams(%q) = %q, want %q", tt.to, tt.raw, got, tt.want)
		}
	}
	if got := r.Resolve("").WithParams("utm_source=x").URL(); got != "https://www.example.com/welcome?ref=partner&utm_source=x#top" {
		t.Errorf("uncounted URL = %q", got)
	}
}

// No query a link carries moves the redirect off the allowed hosts.
func FuzzWithParams(f *testing.F) {
	for _, s := range []string{"utm_source=x", "a=1&to=//evil", "x=@evil.com", "#@evil", "x=%2F%2Fevil", "&&=&"} {
		f.Add("/pricing", s)
	}
	r := testRedirects(f)
	f.Fuzz(func(t *testing.T, to, raw string) {
		loc := r.Resolve(to).WithParams(raw).WithVisitor("v_x")
		u, err := url.Parse(loc)
		if !allowedLocation(loc) || err != nil || u.User != nil {
			t.Fatalf("Resolve(%q).WithParams(%q) = %q: leaves the allowed hosts (%v)", to, raw, loc, err)
		}
	})
}

// TestResolveRemembers: a ?to= resolves the same the second time (from
// memory) as the first, refused ones too, and past maxResolved distinct
// values each is still decided, with no more kept.
func TestResolveRemembers(t *testing.T) {
	r, err := NewRedirects("https://www.example.com/welcome", []string{"app.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{"/pricing?plan=pro#faq", "https://app.example.com/x", "https://evil.example.net/", "//evil"} {
		first := r.Resolve(to).URL()
		if again := r.Resolve(to).URL(); again != first {
			t.Errorf("Resolve(%q) = %q, then %q", to, first, again)
		}
	}
	for i := range maxResolved + 50 {
		to := fmt.Sprintf("/p/%d", i)
		if got := r.Resolve(to).URL(); got != "https://www.example.com"+to {
			t.Fatalf("Resolve(%q) = %q", to, got)
		}
		if got := r.Resolve("https://evil.example.net/" + to).URL(); got != "https://www.example.com/welcome" {
			t.Fatalf("an unknown host resolved to %q", got)
		}
	}
	if n := r.size.Load(); n > maxResolved {
		t.Errorf("%d resolutions kept, want at most %d", n, maxResolved)
	}
}
