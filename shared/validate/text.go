package validate

import (
	"errors"
	"unicode"
	"unicode/utf8"
)

// MaxNameLen is the longest partner name accepted, in characters.
const MaxNameLen = 100

// Errors of Text, for callers to name the problem.
var (
	ErrTooLong = errors.New("too long")
	ErrControl = errors.New("has a control character")
	ErrFormat  = errors.New("has an invisible format character")
)

// Allowed reports whether r may appear in text a partner writes for
// others to read. Control characters (category Cc) and line or paragraph
// separators break headers and lines; format characters (Cf: bidi
// overrides, zero-width characters) make text show other than it reads,
// as a name that displays "moc.elgoog" as "google.com".
func Allowed(r rune) bool {
	return !unicode.IsControl(r) && !unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

// Text checks that s has at most max characters (runes, not bytes), all
// Allowed, '\n' aside when lineBreaks is set. A format character is
// reported as ErrFormat, any other refused character as ErrControl.
func Text(s string, max int, lineBreaks bool) error {
	if utf8.RuneCountInString(s) > max {
		return ErrTooLong
	}
	for _, r := range s {
		switch {
		case lineBreaks && r == '\n', Allowed(r):
		case unicode.Is(unicode.Cf, r):
			return ErrFormat
		default:
			return ErrControl
		}
	}
	return nil
}

// Name checks a partner's display name: Text of at most MaxNameLen
// characters on one line.
func Name(s string) error { return Text(s, MaxNameLen, false) }
