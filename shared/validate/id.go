package validate

import "errors"

// MaxIDLen is the longest external id accepted, in characters.
const MaxIDLen = 255

// ErrID is returned for an id that breaks the external id rule.
var ErrID = errors.New("must be 1 to 255 printable ASCII characters, without spaces or #")

// IDRule says the external id rule in words, for error messages.
const IDRule = "1 to 255 printable ASCII characters, without spaces or #"

// ExternalID checks an id another system gave to one of its records (a
// customer, payment or refund): 1 to MaxIDLen printable ASCII characters,
// without spaces or '#'. '#' separates the parts of the store's keys, and
// billing systems refuse ids with spaces, so such an id could never be
// matched between them.
func ExternalID(s string) error {
	if s == "" || len(s) > MaxIDLen {
		return ErrID
	}
	for i := 0; i < len(s); i++ {
		// '!' to '~' is printable ASCII without the space.
		if c := s[i]; c < '!' || c > '~' || c == '#' {
			return ErrID
		}
	}
	return nil
}
