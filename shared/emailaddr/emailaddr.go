// Package emailaddr checks and normalizes email addresses and hashes them
// with a keyed HMAC, so the store can find an address without keeping it.
package emailaddr

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
)

// ErrInvalid is returned for anything but a bare ASCII addr-spec.
var ErrInvalid = errors.New("not a bare email address like jane@example.com")

// Normalize trims and lower-cases an address and checks that it is a bare
// ASCII addr-spec: no display name, comments, quotes, spaces, commas or
// line breaks (which could inject headers or extra recipients).
func Normalize(s string) (string, error) {
	s = asciiLower(strings.TrimSpace(s))
	if len(s) > 254 {
		return "", ErrInvalid
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || len(local) > 64 || domain == "" || strings.Contains(domain, "@") {
		return "", ErrInvalid
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-/=?^_`{|}~.", c) >= 0) {
			return "", ErrInvalid
		}
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return "", ErrInvalid
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return "", ErrInvalid
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", ErrInvalid
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", ErrInvalid
			}
		}
	}
	return s, nil
}

// asciiLower lower-cases ASCII letters only: strings.ToLower maps the
// Kelvin sign to "k", which would let a non-ASCII address pass as ASCII.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Hasher hashes normalized addresses with HASH_SECRET. The secret is never
// rotated: stored hashes must keep matching.
type Hasher struct {
	key []byte
}

// NewHasher returns a Hasher keyed with secret.
func NewHasher(secret string) *Hasher { return &Hasher{key: []byte(secret)} }

// Hash returns the hex HMAC-SHA256 of a normalized address, shortened to
// 128 bits: plenty to tell addresses apart, and shorter keys.
func (h *Hasher) Hash(normalized string) string {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte("email\x00"))
	m.Write([]byte(normalized))
	return hex.EncodeToString(m.Sum(nil)[:16])
}
