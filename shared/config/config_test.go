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
		"COOKIE_SECRET": "k2:0123456789abcdef,k1:fedcba9876543210", "WEBHOOK_SECRET": "whsec_a whsec_b", "HASH_SECRET": "h",
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
