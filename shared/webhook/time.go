package webhook

import (
	"strings"
	"time"
)

// ParseTime reads an RFC 3339 time as webhook payloads carry them, with
// optional fractions of a second. RFC 3339 lets "T" and "Z" be lower
// case, which Go's layout does not; impossible dates (February 30th) are
// refused.
func ParseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s))
	return t, err == nil
}
