package webhook

import "time"

// ParseTime reads an RFC 3339 time as webhook payloads carry them, with
// optional fractions of a second. RFC 3339 lets "T" and "Z" be lower
// case, which Go's layout does not; impossible dates (February 30th) are
// refused, and so is what Go's parser takes beyond RFC 3339: offsets past
// 23:59 and "," before a fraction.
func ParseTime(s string) (time.Time, bool) {
	b := []byte(s)
	if len(b) > 10 && b[10] == 't' {
		b[10] = 'T'
	}
	if n := len(b); n > 0 && b[n-1] == 'z' {
		b[n-1] = 'Z'
	}
	if !rfc3339Tail(b) {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	return t, err == nil
}

// rfc3339Tail checks what follows the seconds of "YYYY-MM-DDTHH:MM:SS":
// an optional "." with digits, then "Z" or an offset "+HH:MM" or "-HH:MM"
// with hours 00-23 and minutes 00-59 (RFC 3339 section 5.6). time.Parse
// checks the rest.
func rfc3339Tail(b []byte) bool {
	if len(b) < 20 {
		return false
	}
	rest := b[19:]
	if rest[0] == '.' {
		i := 1
		for i < len(rest) && isDigit(rest[i]) {
			i++
		}
		if i == 1 {
			return false
		}
		rest = rest[i:]
	}
	switch {
	case len(rest) == 1:
		return rest[0] == 'Z'
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		for _, c := range []byte{rest[1], rest[2], rest[4], rest[5]} {
			if !isDigit(c) {
				return false
			}
		}
		hours := int(rest[1]-'0')*10 + int(rest[2]-'0')
		return hours <= 23 && rest[4] <= '5'
	}
	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
