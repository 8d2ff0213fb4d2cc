package referral

import (
	"crypto/rand"
	"errors"
)

// Code length limits of contract section 3.
const (
	MinCodeLen    = 3
	MaxCodeLen    = 32
	GeneratedLen  = 8
	codeAlphabet  = "23456789abcdefghjkmnpqrstuvwxyz" // no 0/o, 1/i/l look-alikes
	idAlphabetLen = len(codeAlphabet)
)

// Errors of ValidateVanity; callers map ErrCodeFormat to 400 and
// ErrCodeReserved to 409.
var (
	ErrCodeFormat   = errors.New("a referral code is 3 to 32 characters of a-z, 0-9 and -")
	ErrCodeReserved = errors.New("that referral code is reserved")
)

var reserved = map[string]bool{
	"partners": true, "payouts": true, "customers": true, "webhooks": true, "admin": true,
	"api": true, "app": true, "www": true, "static": true, "assets": true,
}

// NormalizeCode lower-cases s and reports whether it is a well-formed code.
// It does not allocate when s is already lower-case.
func NormalizeCode(s string) (string, bool) {
	if len(s) < MinCodeLen || len(s) > MaxCodeLen {
		return "", false
	}
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
		case c >= 'A' && c <= 'Z':
			upper = true
		default:
			return "", false
		}
	}
	if !upper {
		return s, true
	}
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b), true
}

// ValidateVanity checks a partner-chosen code: format first, then the
// reserved words. It returns the normalized code.
func ValidateVanity(s string) (string, error) {
	code, ok := NormalizeCode(s)
	if !ok {
		return "", ErrCodeFormat
	}
	if reserved[code] {
		return "", ErrCodeReserved
	}
	return code, nil
}

// GenerateCode returns a random code of GeneratedLen characters from an
// alphabet without look-alikes. With 31^8 ≈ 8.5e11 codes, collisions are
// rare; the store's conditional write catches the rest.
func GenerateCode() string {
	for {
		// "partners" is 8 letters of the alphabet: never hand it out.
		if c := randomString(GeneratedLen); !reserved[c] {
			return c
		}
	}
}

// NewPartnerID returns a new random partner id.
func NewPartnerID() string { return "pt_" + randomString(16) }

// randomString draws n characters of codeAlphabet without modulo bias.
func randomString(n int) string {
	out := make([]byte, 0, n)
	var buf [32]byte
	for len(out) < n {
		if _, err := rand.Read(buf[:]); err != nil {
			panic("referral: crypto/rand failed: " + err.Error())
		}
		for _, b := range buf {
			// 248 = 8*31: values above it would favour the first letters.
			if int(b) < 248 && len(out) < n {
				out = append(out, codeAlphabet[int(b)%idAlphabetLen])
			}
		}
	}
	return string(out)
}
