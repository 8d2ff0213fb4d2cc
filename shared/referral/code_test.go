package referral

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateVanity(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr error
	}{
		{"Jane-Doe", "jane-doe", nil},
		{"abc", "abc", nil},
		{strings.Repeat("a", 32), strings.Repeat("a", 32), nil},
		{"ab", "", ErrCodeFormat},
		{strings.Repeat("a", 33), "", ErrCodeFormat},
		{"jane_doe", "", ErrCodeFormat},
		{"jané", "", ErrCodeFormat},
		{"a b c", "", ErrCodeFormat},
		{"", "", ErrCodeFormat},
		{"ADMIN", "", ErrCodeReserved},
		{"webhooks", "", ErrCodeReserved},
		{"www", "", ErrCodeReserved},
	}
	for _, tt := range tests {
		got, err := ValidateVanity(tt.in)
		if got != tt.want || !errors.Is(err, tt.wantErr) {
			t.Errorf("ValidateVanity(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestGenerateCode(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		c := GenerateCode()
		if len(c) != GeneratedLen || strings.ContainsAny(c, "01oil") {
			t.Fatalf("GenerateCode() = %q: want 8 characters without look-alikes", c)
		}
		if _, err := ValidateVanity(c); err != nil {
			t.Fatalf("generated code %q fails validation: %v", c, err)
		}
		if seen[c] {
			t.Fatalf("GenerateCode() repeated %q within 2000 draws", c)
		}
		seen[c] = true
	}
}

func TestIsBot(t *testing.T) {
	tests := map[string]bool{
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)": true,
		"facebookexternalhit/1.1":                true,
		"Slackbot-LinkExpanding 1.0":             true,
		"Mozilla/5.0 (compatible; Yahoo! Slurp)": true,
		"UptimeRobot/2.0; Monitor":               true,
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari": false,
		"Mozilla/5.0 HeadlessChrome/156.0.0.0":                                                       false,
		"curl/8.5.0":                                                                                 false,
		"":                                                                                           false,
	}
	for ua, want := range tests {
		if got := IsBot(ua); got != want {
			t.Errorf("IsBot(%q) = %v, want %v", ua, got, want)
		}
	}
	if !IsPrefetch("prefetch;prerender", "") || !IsPrefetch("", "Prefetch") || IsPrefetch("", "") {
		t.Error("IsPrefetch misread Sec-Purpose/Purpose")
	}
}
