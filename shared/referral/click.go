package referral

// botWords are matched case-insensitively anywhere in the User-Agent
// (contract section 3). Headless browsers and plain HTTP clients are not
// bots: integrators test their links with them.
var botWords = []string{"bot", "crawl", "spider", "slurp", "facebookexternalhit", "preview", "monitor"}

// IsBot reports whether a User-Agent names a crawler, link previewer or
// uptime monitor, whose visits are neither counted nor cookied.
func IsBot(userAgent string) bool {
	for _, w := range botWords {
		if containsFold(userAgent, w) {
			return true
		}
	}
	return false
}

// IsPrefetch reports whether the Sec-Purpose or Purpose header marks a
// speculative load, which a person did not ask for.
func IsPrefetch(secPurpose, purpose string) bool {
	return containsFold(secPurpose, "prefetch") || containsFold(purpose, "prefetch")
}

// containsFold reports whether s contains the lower-case ASCII word w,
// ignoring ASCII case, without allocating.
func containsFold(s, w string) bool {
	n := len(w)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for ; j < n; j++ {
			c := s[i+j]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != w[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	return false
}
