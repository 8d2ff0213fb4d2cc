package referral

import (
	"strings"
	"testing"
	"time"

	"partnerkit/shared/signing"
)

func testCookies(t testing.TB, keys string) *Cookies {
	t.Helper()
	kr, err := signing.ParseKeyring(keys)
	if err != nil {
		t.Fatal(err)
	}
	return &Cookies{Keys: kr, MaxAge: 90 * 24 * time.Hour, Secure: true}
}

func TestCookieRoundTrip(t *testing.T) {
	c := testCookies(t, "k1:0123456789abcdef")
	at := time.Date(2026, 11, 1, 10, 0, 0, 123e6, time.UTC)
	touch := Touch{VisitorID: NewVisitorID(), PartnerID: "pt_abc", At: at}
	v := c.Value(touch)
	if strings.Contains(v, "pt_abc") {
		t.Errorf("cookie value %q shows the partner id in clear", v)
	}
	got, ok := c.Decode(v, at.Add(89*24*time.Hour))
	if !ok || got != touch {
		t.Fatalf("Decode = %+v, %v; want %+v, true", got, ok, touch)
	}
	if _, ok := c.Decode(v, at.Add(90*24*time.Hour)); ok {
		t.Error("an expired cookie was accepted")
	}
	rotated := testCookies(t, "k2:fedcba9876543210,k1:0123456789abcdef")
	if _, ok := rotated.Decode(v, at); !ok {
		t.Error("a cookie of the previous key was refused after rotation")
	}
	foreign := testCookies(t, "k1:another-secret-value")
	if _, ok := foreign.Decode(v, at); ok {
		t.Error("a cookie signed with another secret was accepted")
	}
	sc := c.SetCookie(touch)
	for _, part := range []string{"pk_ref=" + v, "; Path=/", "; Max-Age=7776000", "; HttpOnly", "; Secure", "; SameSite=Lax"} {
		if !strings.Contains(sc, part) {
			t.Errorf("SetCookie = %q, missing %q", sc, part)
		}
	}
}

func TestFromCookies(t *testing.T) {
	c := testCookies(t, "0123456789abcdef")
	now := time.Now()
	touch := Touch{VisitorID: NewVisitorID(), PartnerID: "pt_1", At: now.Truncate(time.Millisecond).UTC()}
	got, ok := c.FromCookies([]string{"_ga=1", "pk_ref=garbage", "pk_ref=" + c.Value(touch)}, now)
	if !ok || got != touch {
		t.Errorf("FromCookies = %+v, %v; want the valid second pk_ref", got, ok)
	}
	if _, ok := c.FromCookies([]string{"pk_ref=" + strings.Repeat("a", 5000)}, now); ok {
		t.Error("an oversize cookie was accepted")
	}
}

func FuzzDecodeCookie(f *testing.F) {
	c := testCookies(f, "k1:0123456789abcdef")
	now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	f.Add(c.Value(Touch{VisitorID: "v_AAAAAAAAAAAAAAAAAAAAAA", PartnerID: "pt_1", At: now}))
	f.Add("azE.dl9hYmNkZWZnaGlqa2xtbm9w.cHRfMTIz")
	f.Add("k1..")
	f.Add("")
	f.Fuzz(func(t *testing.T, v string) {
		touch, ok := c.Decode(v, now)
		if !ok {
			return
		}
		// Anything accepted must be exactly what this key signed.
		if c.Value(touch) != v {
			t.Fatalf("Decode accepted %q, which re-encodes as %q", v, c.Value(touch))
		}
	})
}
