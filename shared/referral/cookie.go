package referral

import (
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"partnerkit/shared/signing"
)

// CookieName is the first-party attribution cookie.
const CookieName = "pk_ref"

const (
	cookiePurpose  = "pk_ref"
	maxCookieValue = 512
)

// Touch is a visitor's first touch: who referred them and when, and
// through which of the partner's links ("" for the code itself) with
// which sub-id. The cookie carries only the visitor, partner and time;
// the store keeps the link and sub-id as evidence.
type Touch struct {
	VisitorID string
	PartnerID string
	At        time.Time
	LinkID    string
	Sid       string
}

// Cookies encodes and verifies the pk_ref cookie. The value is opaque and
// signed; it names the visitor, the first partner and the first-touch time.
type Cookies struct {
	Keys   *signing.Keyring
	MaxAge time.Duration
	Domain string // optional Domain attribute
	Secure bool   // false only for plain-http local stacks
}

var raw64 = base64.RawURLEncoding.Strict()

// Value returns the signed cookie value for t.
func (c *Cookies) Value(t Touch) string {
	var buf [cookieBuf]byte
	return string(c.appendValue(buf[:0], t))
}

// cookieBuf holds a whole Set-Cookie header, so building one allocates
// only its string.
const cookieBuf = 384

// appendValue appends the signed cookie value for t to dst.
func (c *Cookies) appendValue(dst []byte, t Touch) []byte {
	var raw [128]byte
	p := append(append(append(append(raw[:0], t.VisitorID...), '|'), t.PartnerID...), '|')
	p = strconv.AppendInt(p, t.At.UnixMilli(), 10)
	var enc [192]byte
	return c.Keys.AppendSeal(dst, cookiePurpose, raw64.AppendEncode(enc[:0], p))
}

// SetCookie returns the Set-Cookie header value for t.
func (c *Cookies) SetCookie(t Touch) string {
	var buf [cookieBuf]byte
	b := append(buf[:0], CookieName+"="...)
	b = c.appendValue(b, t)
	b = append(b, "; Path=/; Max-Age="...)
	b = strconv.AppendInt(b, int64(c.MaxAge/time.Second), 10)
	if c.Domain != "" {
		b = append(append(b, "; Domain="...), c.Domain...)
	}
	b = append(b, "; HttpOnly"...)
	if c.Secure {
		b = append(b, "; Secure"...)
	}
	return string(append(b, "; SameSite=Lax"...))
}

// Decode verifies a cookie value and returns its touch. Tampered, foreign
// key, malformed, oversize and expired values are refused (ok false).
func (c *Cookies) Decode(value string, now time.Time) (Touch, bool) {
	if len(value) > maxCookieValue {
		return Touch{}, false
	}
	payload, ok := c.Keys.Open(cookiePurpose, value)
	if !ok {
		return Touch{}, false
	}
	raw, err := raw64.DecodeString(payload)
	if err != nil {
		return Touch{}, false
	}
	vid, rest, ok1 := strings.Cut(string(raw), "|")
	pid, ms, ok2 := strings.Cut(rest, "|")
	if !ok1 || !ok2 || !ValidVisitorID(vid) || pid == "" || len(pid) > 64 {
		return Touch{}, false
	}
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil || n <= 0 {
		return Touch{}, false
	}
	at := time.UnixMilli(n).UTC()
	if !now.Before(at.Add(c.MaxAge)) {
		return Touch{}, false
	}
	return Touch{VisitorID: vid, PartnerID: pid, At: at}, true
}

// FromCookies finds the first valid pk_ref among "name=value" cookies, as
// API Gateway passes them.
func (c *Cookies) FromCookies(cookies []string, now time.Time) (Touch, bool) {
	for _, kv := range cookies {
		name, value, found := strings.Cut(kv, "=")
		if !found || strings.TrimSpace(name) != CookieName {
			continue
		}
		if t, ok := c.Decode(strings.TrimSpace(value), now); ok {
			return t, true
		}
	}
	return Touch{}, false
}

// NewVisitorID returns a random visitor id: "v_" and 22 base64url characters.
func NewVisitorID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("referral: crypto/rand failed: " + err.Error())
	}
	var id [24]byte
	copy(id[:], "v_")
	raw64.Encode(id[2:], b[:])
	return string(id[:])
}

// ValidVisitorID reports whether s has the shape of a visitor id.
func ValidVisitorID(s string) bool {
	if len(s) != 24 || s[0] != 'v' || s[1] != '_' {
		return false
	}
	for i := 2; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
