package emailaddr

import "testing"

func TestNormalize(t *testing.T) {
	good := map[string]string{
		" Jane.Doe+tag@Example.COM ": "jane.doe+tag@example.com",
		"a@b.co":                     "a@b.co",
		"o'brien@mail.example.org":   "o'brien@mail.example.org",
	}
	for in, want := range good {
		if got, err := Normalize(in); err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{
		"", "jane", "@example.com", "jane@", "jane@localhost", "jane@@example.com", "a@b@example.com",
		"Jane <jane@example.com>", "jane@example.com,bob@example.com", "jane@example.com\r\nBcc: x@y.z",
		"jane doe@example.com", `"jane"@example.com`, "jané@example.com", ".jane@example.com", "ja..ne@example.com",
		"jane@-example.com", "jane@exa_mple.com", "jane@example..com",
		// strings.ToLower folds the Kelvin sign to an ASCII k.
		"\u212aate@example.com", "kate@\u212aexample.com",
	} {
		if got, err := Normalize(bad); err == nil {
			t.Errorf("Normalize(%q) = %q, want an error", bad, got)
		}
	}
}

func TestHash(t *testing.T) {
	h := NewHasher("secret-one")
	a, b := h.Hash("jane@example.com"), h.Hash("jane@example.com")
	if a != b || len(a) != 32 {
		t.Errorf("Hash not stable or wrong length: %q %q", a, b)
	}
	if a == h.Hash("bob@example.com") || a == NewHasher("secret-two").Hash("jane@example.com") {
		t.Error("different addresses or secrets gave the same hash")
	}
}
