package config

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"partnerkit/shared/signing"
)

// Config is the whole configuration; each function reads what it needs.
type Config struct {
	Port                 int
	TableName            string
	DynamoDBEndpoint     string
	SESEndpoint          string
	SESConfigurationSet  string
	PublicBaseURL        string
	LandingURL           string
	AllowedRedirectHosts []string
	// AllowedOrigins are the origins (scheme://host[:port]) whose pages may
	// call the API from a browser (CORS), e.g. to embed the Partner Center.
	AllowedOrigins   []string
	CookieDomain     string
	CookieDays       int
	CommissionBPS    int
	CommissionMonths int
	MinPayout        int64
	InvitesPerDay    int
	FromEmail        string

	CookieKeys     *signing.Keyring
	WebhookSecrets []string
	HashSecret     string
	// StripeWebhookSecrets are the Stripe endpoint's signing secrets
	// (STRIPE_WEBHOOK_SECRET, space-separated while one is rolled).
	StripeWebhookSecrets []string
	// StripeAPIKey is an optional restricted read-only Stripe key
	// (STRIPE_API_KEY, rk_ or sk_); "" when not set.
	StripeAPIKey string

	// Local is true on the local stack, where defaults stand in for
	// secrets and plain-http cookies are allowed.
	Local bool
	// Defaults lists the variables that took their default value.
	Defaults []string
	// Missing lists the secrets that were not set (never locally).
	Missing []string
}

// Secret names, for Require.
const (
	CookieSecret  = "COOKIE_SECRET"
	WebhookSecret = "WEBHOOK_SECRET"
	HashSecret    = "HASH_SECRET"
	// StripeWebhookSecret is required by the Stripe function only.
	StripeWebhookSecret = "STRIPE_WEBHOOK_SECRET"
)

// Require returns an error naming every one of the given secrets that is
// not set. Each function requires only the secrets it uses, so each gets
// only those from the template.
func (c Config) Require(secrets ...string) error {
	var missing []string
	for _, want := range secrets {
		for _, m := range c.Missing {
			if m == want {
				missing = append(missing, m)
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("config: %s must be set", strings.Join(missing, ", "))
	}
	return nil
}

// LocalWebhookSecret is the local default WEBHOOK_SECRET: the published
// Standard Webhooks test secret, so example payloads verify locally.
const LocalWebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// LocalStripeWebhookSecret is the local default STRIPE_WEBHOOK_SECRET.
// Stripe uses a secret whole as the HMAC key, so any string works; sign
// local test events with this one (or set your Stripe CLI's).
const LocalStripeWebhookSecret = "whsec_partnerkit_local_stripe_secret"

// StripeLive reports the mode of StripeAPIKey: live or test; ok is false
// when no key is set.
func (c Config) StripeLive() (live, ok bool) {
	if c.StripeAPIKey == "" {
		return false, false
	}
	return strings.Contains(c.StripeAPIKey, "_live_"), true
}

// CookieMaxAge is how long the referral cookie and first touches count.
func (c Config) CookieMaxAge() time.Duration {
	return time.Duration(c.CookieDays) * 24 * time.Hour
}

// SecureCookies reports whether cookies carry Secure: always, except on a
// local stack served over plain http.
func (c Config) SecureCookies() bool {
	return !(c.Local && strings.HasPrefix(c.PublicBaseURL, "http://"))
}

type reader struct {
	getenv   func(string) string
	local    bool
	defaults []string
	missing  []string
	errs     []error
}

func (r *reader) str(name, localDefault string) string {
	if v := strings.TrimSpace(r.getenv(name)); v != "" {
		return v
	}
	if localDefault != "" {
		r.defaults = append(r.defaults, name)
	}
	return localDefault
}

// secret reads a secret: defaulted locally; in AWS a missing one is noted
// and refused by Require in the functions that need it.
func (r *reader) secret(name, localDefault string) string {
	if v := strings.TrimSpace(r.getenv(name)); v != "" {
		return v
	}
	if !r.local {
		r.missing = append(r.missing, name)
		return ""
	}
	r.defaults = append(r.defaults, name)
	return localDefault
}

func (r *reader) num(name string, def, min, max int64) int64 {
	v := strings.TrimSpace(r.getenv(name))
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < min || n > max {
		r.errs = append(r.errs, fmt.Errorf("%s must be an integer from %d to %d", name, min, max))
		return def
	}
	return n
}

// MinHashSecretLen is the shortest HASH_SECRET accepted, in characters.
const MinHashSecretLen = 16

// cookieDomain checks COOKIE_DOMAIN, which goes verbatim into the
// Set-Cookie header: it must be a bare host name, or a ';' in it would
// add attributes of its own. A leading dot is dropped, as browsers
// ignore it (RFC 6265 section 5.2.3); letter case is folded.
func (r *reader) cookieDomain(v string) string {
	if v == "" {
		return ""
	}
	d := strings.ToLower(strings.TrimPrefix(v, "."))
	if !hostName(d) {
		r.errs = append(r.errs, errors.New("COOKIE_DOMAIN must be a bare host name (letters, digits, hyphens and dots), like example.com"))
		return ""
	}
	return d
}

// hostName reports whether s is a DNS host name in ASCII (RFC 1123): dot
// separated labels of 1 to 63 letters, digits and hyphens, not starting
// or ending with a hyphen, 253 characters in all.
func hostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// Load reads the configuration through getenv (os.Getenv in production).
// local selects the local stack's defaults; without it, missing secrets
// and URLs are errors.
func Load(getenv func(string) string, local bool) (Config, error) {
	r := &reader{getenv: getenv, local: local}
	c := Config{Local: local}
	c.Port = int(r.num("PORT", 3000, 1, 65535))
	base := "http://127.0.0.1:" + strconv.Itoa(c.Port)
	localURL := func(u string) string {
		if local {
			return u
		}
		return ""
	}
	c.TableName = r.str("TABLE_NAME", "partnerkit")
	c.DynamoDBEndpoint = r.str("DYNAMODB_ENDPOINT", "")
	c.SESEndpoint = r.str("SES_ENDPOINT", "")
	c.SESConfigurationSet = r.str("SES_CONFIGURATION_SET", "")
	c.PublicBaseURL = strings.TrimRight(r.str("PUBLIC_BASE_URL", localURL(base)), "/")
	c.LandingURL = r.str("LANDING_URL", localURL(base+"/_local/landing"))
	for _, h := range strings.Split(r.str("ALLOWED_REDIRECT_HOSTS", ""), ",") {
		if h = strings.TrimSpace(h); h != "" {
			c.AllowedRedirectHosts = append(c.AllowedRedirectHosts, h)
		}
	}
	for _, o := range strings.Split(r.str("ALLOWED_ORIGINS", ""), ",") {
		if o = strings.TrimSpace(o); o == "" {
			continue
		}
		origin, err := Origin(o)
		if err != nil {
			r.errs = append(r.errs, fmt.Errorf("ALLOWED_ORIGINS: %w", err))
			continue
		}
		c.AllowedOrigins = append(c.AllowedOrigins, origin)
	}
	c.CookieDomain = r.cookieDomain(r.str("COOKIE_DOMAIN", ""))
	c.CookieDays = int(r.num("COOKIE_DAYS", 90, 1, 3650))
	c.CommissionBPS = int(r.num("COMMISSION_BPS", 2500, 0, 10000))
	c.CommissionMonths = int(r.num("COMMISSION_MONTHS", 0, 0, 1200))
	c.MinPayout = r.num("MIN_PAYOUT", 0, 0, 1<<53)
	c.InvitesPerDay = int(r.num("INVITES_PER_DAY", 50, 0, 100000))
	c.FromEmail = r.str("FROM_EMAIL", localURL("partners@example.com"))

	cookieSecret := r.secret(CookieSecret, "local:local-cookie-secret-not-for-production")
	c.WebhookSecrets = strings.Fields(r.secret(WebhookSecret, LocalWebhookSecret))
	c.HashSecret = r.secret(HashSecret, "local-hash-secret-not-for-production")
	c.StripeWebhookSecrets = strings.Fields(r.secret(StripeWebhookSecret, LocalStripeWebhookSecret))
	// Optional, with no local default: without it the Stripe function
	// skips what needs Stripe's API (refunds, disputes, the backfill).
	c.StripeAPIKey = strings.TrimSpace(getenv("STRIPE_API_KEY"))
	if k := c.StripeAPIKey; k != "" && !strings.HasPrefix(k, "sk_test_") && !strings.HasPrefix(k, "rk_test_") &&
		!strings.HasPrefix(k, "sk_live_") && !strings.HasPrefix(k, "rk_live_") {
		r.errs = append(r.errs, errors.New("STRIPE_API_KEY must be a Stripe secret or restricted key (sk_live_, sk_test_, rk_live_ or rk_test_)"))
	}
	// Emails and IPs are few enough to guess: a short key would let anyone
	// with the table reverse their hashes by trying them all.
	if c.HashSecret != "" && utf8.RuneCountInString(c.HashSecret) < MinHashSecretLen {
		r.errs = append(r.errs, fmt.Errorf("HASH_SECRET must be at least %d characters", MinHashSecretLen))
	}
	if cookieSecret != "" {
		kr, err := signing.ParseKeyring(cookieSecret)
		if err != nil {
			r.errs = append(r.errs, fmt.Errorf("COOKIE_SECRET: %w", err))
		}
		c.CookieKeys = kr
	}
	for name, v := range map[string]string{"PUBLIC_BASE_URL": c.PublicBaseURL, "LANDING_URL": c.LandingURL} {
		if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			r.errs = append(r.errs, fmt.Errorf("%s must be an absolute http(s) URL", name))
		}
	}
	c.Defaults = r.defaults
	c.Missing = r.missing
	if len(r.errs) > 0 {
		return c, fmt.Errorf("config: %w", errors.Join(r.errs...))
	}
	return c, nil
}

// Describe returns "NAME=value" lines of the settings in effect, for the
// local stack's start-up banner. Secrets are never shown, only whether
// their local default is in use.
func (c Config) Describe() []string {
	isDefault := map[string]bool{}
	for _, d := range c.Defaults {
		isDefault[d] = true
	}
	secret := func(name string) string {
		if isDefault[name] {
			return name + "=(local default)"
		}
		return name + "=(set)"
	}
	return []string{
		"PORT=" + strconv.Itoa(c.Port),
		"TABLE_NAME=" + c.TableName,
		"DYNAMODB_ENDPOINT=" + orEmbedded(c.DynamoDBEndpoint),
		"SES_ENDPOINT=" + orOutbox(c.SESEndpoint),
		"SES_CONFIGURATION_SET=" + c.SESConfigurationSet,
		"PUBLIC_BASE_URL=" + c.PublicBaseURL,
		"LANDING_URL=" + c.LandingURL,
		"ALLOWED_REDIRECT_HOSTS=" + strings.Join(c.AllowedRedirectHosts, ","),
		"ALLOWED_ORIGINS=" + strings.Join(c.AllowedOrigins, ","),
		"COOKIE_DOMAIN=" + c.CookieDomain,
		"COOKIE_DAYS=" + strconv.Itoa(c.CookieDays),
		"COMMISSION_BPS=" + strconv.Itoa(c.CommissionBPS),
		"COMMISSION_MONTHS=" + strconv.Itoa(c.CommissionMonths),
		"MIN_PAYOUT=" + strconv.FormatInt(c.MinPayout, 10),
		"INVITES_PER_DAY=" + strconv.Itoa(c.InvitesPerDay),
		"FROM_EMAIL=" + c.FromEmail,
		secret("COOKIE_SECRET"),
		secret("WEBHOOK_SECRET"),
		secret("HASH_SECRET"),
		secret("STRIPE_WEBHOOK_SECRET"),
		"STRIPE_API_KEY=" + map[bool]string{true: "(set)", false: "(not set)"}[c.StripeAPIKey != ""],
	}
}

// Origin checks a browser origin, scheme://host[:port] with nothing after
// it, and returns it lower-cased as browsers send it.
func Origin(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "#") {
		return "", fmt.Errorf("%q is not an origin like https://app.example.com", s)
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

func orEmbedded(s string) string {
	if s == "" {
		return "(embedded in-memory store)"
	}
	return s
}

func orOutbox(s string) string {
	if s == "" {
		return "(local outbox)"
	}
	return s
}
