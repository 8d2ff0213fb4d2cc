package config

import (
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadLocalDefaults(t *testing.T) {
	c, err := Load(env(map[string]string{"PORT": "4000"}), true)
	if err != nil {
		t.Fatal(err)
	}
	if c.PublicBaseURL != "http://127.0.0.1:4000" || c.LandingURL != "http://127.0.0.1:4000/_local/landing" {
		t.Errorf("local URLs = %q, %q", c.PublicBaseURL, c.LandingURL)
	}
	if c.CookieDays != 90 || c.CommissionBPS != 2500 || c.InvitesPerDay != 50 || c.SecureCookies() {
		t.Errorf("defaults wrong: %+v", c)
	}
	if len(c.WebhookSecrets) != 1 || c.WebhookSecrets[0] != LocalWebhookSecret {
		t.Errorf("local WEBHOOK_SECRET = %v, want the Standard Webhooks test secret", c.WebhookSecrets)
	}
	banner := strings.Join(c.Describe(), "\n")
	if strings.Contains(banner, "not-for-production") || strings.Contains(banner, LocalWebhookSecret) {
		t.Errorf("Describe() shows a secret:\n%s", banner)
	}
}

func TestLoadAWSRequiresSecrets(t *testing.T) {
	c, err := Load(env(map[string]string{"PUBLIC_BASE_URL": "https://go.example.com", "LANDING_URL": "https://example.com"}), false)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Require(CookieSecret, WebhookSecret, HashSecret)
	for _, name := range []string{"COOKIE_SECRET", "WEBHOOK_SECRET", "HASH_SECRET"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("Load without %s: err = %v, want it named", name, err)
		}
	}
	c, err = Load(env(map[string]string{
		"PUBLIC_BASE_URL": "https://go.example.com", "LANDING_URL": "https://example.com",
		"COOKIE_SECRET": "k2:0123456789abcdef,k1:fedcba9876543210", "WEBHOOK_SECRET": "whsec_a whsec_b", "HASH_SECRET": "0123456789abcdef",
	}), false)
	if err != nil || c.Require(CookieSecret, WebhookSecret, HashSecret) != nil {
		t.Fatal(err)
	}
	if !c.SecureCookies() || len(c.WebhookSecrets) != 2 {
		t.Errorf("AWS config: secure=%v webhook secrets=%v", c.SecureCookies(), c.WebhookSecrets)
	}
	if _, err := Load(env(map[string]string{"COOKIE_DAYS": "abc"}), true); err == nil {
		t.Error("COOKIE_DAYS=abc accepted")
	}
}

// TestLoadRefusesMalformed: a value that would weaken a secret or inject
// into a header stops the function at start.
func TestLoadRefusesMalformed(t *testing.T) {
	aws := map[string]string{
		"PUBLIC_BASE_URL": "https://go.example.com", "LANDING_URL": "https://example.com",
		"COOKIE_SECRET": "k1:0123456789abcdef", "WEBHOOK_SECRET": "whsec_a", "HASH_SECRET": "0123456789abcdef",
	}
	tests := []struct {
		name, key, value string
	}{
		{"short HASH_SECRET", "HASH_SECRET", "x"},
		{"15-character HASH_SECRET", "HASH_SECRET", "0123456789abcde"},
		{"15 characters of 2 bytes", "HASH_SECRET", strings.Repeat("é", 15)},
		{"cookie attribute", "COOKIE_DOMAIN", "example.com; SameSite=None"},
		{"space", "COOKIE_DOMAIN", "example .com"},
		{"URL", "COOKIE_DOMAIN", "https://example.com"},
		{"port", "COOKIE_DOMAIN", "example.com:443"},
		{"underscore", "COOKIE_DOMAIN", "my_site.example.com"},
		{"empty label", "COOKIE_DOMAIN", "example..com"},
		{"trailing dot", "COOKIE_DOMAIN", "example.com."},
		{"two leading dots", "COOKIE_DOMAIN", "..example.com"},
		{"only a dot", "COOKIE_DOMAIN", "."},
		{"hyphen at a label's start", "COOKIE_DOMAIN", "-example.com"},
		{"hyphen at a label's end", "COOKIE_DOMAIN", "example-.com"},
		{"label of 64", "COOKIE_DOMAIN", strings.Repeat("a", 64) + ".com"},
		{"not ASCII", "COOKIE_DOMAIN", "exämple.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, local := range []bool{false, true} {
				m := map[string]string{}
				for k, v := range aws {
					m[k] = v
				}
				m[tt.key] = tt.value
				if _, err := Load(env(m), local); err == nil || !strings.Contains(err.Error(), tt.key) {
					t.Errorf("%s=%q (local %v): got err %v, want one naming %s", tt.key, tt.value, local, err, tt.key)
				}
			}
		})
	}

	domains := []struct{ value, want string }{
		{"example.com", "example.com"},
		{"Go.Example.COM", "go.example.com"},
		{".example.com", "example.com"},
		{"localhost", "localhost"},
		{"xn--exmple-cua.com", "xn--exmple-cua.com"},
		{"my-site.example.co.uk", "my-site.example.co.uk"},
	}
	for _, d := range domains {
		m := map[string]string{"COOKIE_DOMAIN": d.value}
		for k, v := range aws {
			m[k] = v
		}
		c, err := Load(env(m), false)
		if got := c.CookieDomain; err != nil || got != d.want {
			t.Errorf("COOKIE_DOMAIN=%q: got %q, %v; want %q", d.value, got, err, d.want)
		}
	}
}

func TestAllowedOrigins(t *testing.T) {
	c, err := Load(env(map[string]string{"ALLOWED_ORIGINS": " https://App.Example.com , http://127.0.0.1:5173/"}), true)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(c.AllowedOrigins, ","), "https://app.example.com,http://127.0.0.1:5173"; got != want {
		t.Errorf("AllowedOrigins = %q, want %q", got, want)
	}
	for _, bad := range []string{"app.example.com", "https://app.example.com/path", "https://u@app.example.com", "ftp://app.example.com", "https://app.example.com?x", "*"} {
		if _, err := Load(env(map[string]string{"ALLOWED_ORIGINS": bad}), true); err == nil {
			t.Errorf("ALLOWED_ORIGINS=%q accepted", bad)
		}
	}
}
