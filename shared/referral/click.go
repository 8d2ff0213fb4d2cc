package referral

import "bytes"

// agentTokens are matched case-insensitively anywhere in the User-Agent.
// The first seven are the contract's words (section 3); the rest name
// link previewers and monitors whose agents carry none of them. Each entry
// has a real User-Agent in the table test. Headless browsers and plain
// HTTP clients are not bots: integrators test their links with them.
var agentTokens = [][]byte{
	[]byte("bot"), []byte("crawl"), []byte("spider"), []byte("slurp"),
	[]byte("facebookexternalhit"), []byte("preview"), []byte("monitor"),
	[]byte("whatsapp/"),             // WhatsApp's link preview
	[]byte("slack-imgproxy"),        // Slack's image and unfurl proxy
	[]byte("google-inspectiontool"), // Search Console's live test
	[]byte("mediapartners-google"),  // AdSense
	[]byte("apis-google"),           // Google's push and API fetchers
	[]byte("feedfetcher"),           // Google's and others' feed readers
	[]byte("embedly"),               // Embedly card previews
	[]byte("iframely"),              // Iframely embeds
	[]byte("ia_archiver"),           // the Internet Archive and Alexa
	[]byte("statuscake"),            // StatusCake uptime checks
	[]byte("site24x7"),              // Site24x7 uptime checks
	[]byte("updown.io"),             // updown.io uptime checks
	[]byte("synthetics"),            // Datadog and New Relic synthetic checks
	[]byte("pingdom"),               // Pingdom uptime checks
}

// maxAgent bounds how much of a User-Agent is examined; real ones are far
// shorter, and the copy stays on the stack.
const maxAgent = 512

// IsBot reports whether a User-Agent names a crawler, link previewer or
// uptime monitor, whose visits are neither counted nor cookied.
func IsBot(userAgent string) bool {
	var buf [maxAgent]byte
	n := copy(buf[:], userAgent)
	ua := buf[:n]
	for i, c := range ua {
		if c >= 'A' && c <= 'Z' {
			ua[i] = c + 'a' - 'A'
		}
	}
	for _, t := range agentTokens {
		if bytes.Contains(ua, t) {
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

// IsNavigation reports whether a request is a top-level navigation by its
// Sec-Fetch-Dest header: absent (older browsers, HTTP clients) or
// "document". An <img>, <iframe> or script pointing at a link is not a
// click (contract section 3).
func IsNavigation(secFetchDest string) bool {
	return secFetchDest == "" || secFetchDest == "document"
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
