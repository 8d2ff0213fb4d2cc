package referral

import (
	"errors"
	"strings"
	"time"
)

// A promo link is a named link of a partner's: PUBLIC_BASE_URL/r/{code}/{slug},
// with its own landing target and sub-id. The partner's plain code is its
// default link.

// DefaultLink is the link id of the code itself, /r/{code}.
const DefaultLink = "default"

// Limits on a partner's links. Archived links keep their numbers, which
// stay in the partner's totals, so they count towards MaxLinks.
const (
	MaxActiveLinks = 50
	MaxLinks       = 100
	MaxSlugLen     = 48
	MaxSidLen      = 64
)

// UniqueWindow is how long a visitor's repeat clicks on one link count as
// one unique click.
const UniqueWindow = time.Hour

// Errors of the link rules; callers map them to 400.
var (
	ErrSlugFormat = errors.New("a slug is 1 to 48 characters of a-z, 0-9 and -, not starting or ending with -")
	ErrSidFormat  = errors.New("a sub-id is 1 to 64 characters of A-Z, a-z, 0-9, _, - and .")
)

// NormalizeSlug lower-cases s and checks it is a well-formed slug.
func NormalizeSlug(s string) (string, error) {
	s = strings.ToLower(s)
	if len(s) == 0 || len(s) > MaxSlugLen || s[0] == '-' || s[len(s)-1] == '-' {
		return "", ErrSlugFormat
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return "", ErrSlugFormat
		}
	}
	return s, nil
}

// SlugFrom derives a slug from a link's name ("Spring newsletter" →
// "spring-newsletter"), or "" when nothing usable is left.
func SlugFrom(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
		if b.Len() >= 32 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}

// ValidSid reports whether s is a usable sub-id. A malformed ?sid= is
// still passed on to the landing page, only not recorded.
func ValidSid(s string) bool {
	if len(s) == 0 || len(s) > MaxSidLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// linkEpoch is where link ids start counting milliseconds.
var linkEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// NewLinkID returns a new link id made at now: "ln_", eight characters
// of the code alphabet counting milliseconds (so ids sort by creation,
// newest last, for 27 years) and two random ones. Ids are unique per partner; the store's
// conditional write catches the rare collision.
func NewLinkID(now time.Time) string {
	secs := max(now.Sub(linkEpoch).Milliseconds(), 0)
	b := []byte("ln_00000000")
	for i := len(b) - 1; i >= 3; i-- {
		b[i] = codeAlphabet[secs%int64(idAlphabetLen)]
		secs /= int64(idAlphabetLen)
	}
	return string(b) + randomString(2)
}

// ValidLinkID reports whether s has the shape of a link id (or is the
// default link's).
func ValidLinkID(s string) bool {
	if s == DefaultLink {
		return true
	}
	if len(s) != 13 || !strings.HasPrefix(s, "ln_") {
		return false
	}
	return strings.Trim(s[3:], codeAlphabet) == ""
}

// NewSlugSuffix returns a short random suffix for a derived slug that is
// taken.
func NewSlugSuffix() string { return randomString(4) }

// ClickSid is the sub-id a click records: a well-formed ?sid= of the
// click, else the link's own.
func ClickSid(query, link string) string {
	if ValidSid(query) {
		return query
	}
	return link
}

// Unique reports whether a click at now is a unique click of its visitor
// on its link, given when that visitor last clicked the link unique
// (zero: never).
func Unique(lastSeen, now time.Time) bool {
	return lastSeen.IsZero() || !now.Before(lastSeen.Add(UniqueWindow))
}
