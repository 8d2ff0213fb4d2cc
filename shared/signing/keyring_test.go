package signing

import (
	"strings"
	"testing"
)

func mustRing(t *testing.T, s string) *Keyring {
	t.Helper()
	kr, err := ParseKeyring(s)
	if err != nil {
		t.Fatalf("ParseKeyring(%q): %v", s, err)
	}
	return kr
}

func TestSealOpenRotation(t *testing.T) {
	old := mustRing(t, "k1:0123456789abcdef-old")
	rotated := mustRing(t, "k2:0123456789abcdef-new,k1:0123456789abcdef-old")

	tok := old.Seal("cookie", "cGF5bG9hZA")
	if got, ok := rotated.Open("cookie", tok); !ok || got != "cGF5bG9hZA" {
		t.Fatalf("rotated ring Open(old token) = %q, %v; want payload, true", got, ok)
	}
	fresh := rotated.Seal("cookie", "eA")
	if !strings.HasPrefix(fresh, "k2.") {
		t.Errorf("new tokens signed with %q, want first key k2", fresh)
	}
	if _, ok := old.Open("cookie", fresh); ok {
		t.Error("a ring without k2 verified a k2 token")
	}
}

func TestOpenRefuses(t *testing.T) {
	kr := mustRing(t, "0123456789abcdef")
	tok := kr.Seal("cookie", "cGF5")
	other := mustRing(t, "0:fedcba9876543210")
	cases := map[string]string{
		"other purpose": "",
		"tampered":      strings.Replace(tok, "cGF5", "cGF6", 1),
		"foreign key":   other.Seal("cookie", "cGF5"),
		"truncated":     tok[:len(tok)-2],
		"extra dot":     tok + ".x",
		"empty":         "",
		"no dots":       "abc",
	}
	for name, token := range cases {
		purpose := "cookie"
		if name == "other purpose" {
			purpose, token = "unsubscribe", tok
		}
		if _, ok := kr.Open(purpose, token); ok {
			t.Errorf("%s: Open(%q) verified", name, token)
		}
	}
}

func TestParseKeyring(t *testing.T) {
	// "éééééééé" is 16 bytes but 8 characters: secrets are counted in
	// characters, as the error says.
	for _, bad := range []string{"", " , ", "short", "bad id!:0123456789abcdef", "a:0123456789abcdef,a:0123456789abcdeg", "a:éééééééé"} {
		if _, err := ParseKeyring(bad); err == nil {
			t.Errorf("ParseKeyring(%q) accepted it", bad)
		}
	}
	kr := mustRing(t, "0123456789abcdef")
	if got := kr.keys[0].ID; got != "0" {
		t.Errorf("bare secret kid = %q, want 0", got)
	}
}

// TestAppendSeal: appending a seal gives Seal's token after what was
// there, which Open verifies.
func TestAppendSeal(t *testing.T) {
	kr := mustRing(t, "k2:0123456789abcdef-new,k1:0123456789abcdef-old")
	got := string(kr.AppendSeal([]byte("pk_ref="), "cookie", []byte("cGF5bG9hZA")))
	if want := "pk_ref=" + kr.Seal("cookie", "cGF5bG9hZA"); got != want {
		t.Fatalf("AppendSeal = %q, want %q", got, want)
	}
	if p, ok := kr.Open("cookie", strings.TrimPrefix(got, "pk_ref=")); !ok || p != "cGF5bG9hZA" {
		t.Errorf("Open(appended token) = %q, %v", p, ok)
	}
}

// BenchmarkAppendSeal: sealing into a buffer with room allocates nothing.
func BenchmarkAppendSeal(b *testing.B) {
	kr, err := ParseKeyring("k2:0123456789abcdef-new")
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 256)
	payload := []byte("cGF5bG9hZA")
	b.ReportAllocs()
	for b.Loop() {
		buf = kr.AppendSeal(buf[:0], "cookie", payload)
	}
}
