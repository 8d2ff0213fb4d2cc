package emailaddr

import (
	"strings"
	"unicode/utf8"
)

// Hint masks an address for people who may not see it: its first
// character, "***" and its domain (s***@example.com). Partners see their
// customers this way, never the full address.
func Hint(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" {
		return "***"
	}
	_, size := utf8.DecodeRuneInString(local)
	return local[:size] + "***@" + domain
}
