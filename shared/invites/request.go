package invites

import (
	"regexp"
	"strings"

	"partnerkit/shared/fault"
	"partnerkit/shared/validate"
)

// Limits of one request (contract section 6).
const (
	MaxEmails     = 25
	MaxMessageLen = 500 // characters
)

// Statuses of an address, in precedence order: when several apply, the
// first wins.
const (
	StatusInvalid         = "invalid"
	StatusDuplicate       = "duplicate"
	StatusSelf            = "self"
	StatusSuppressed      = "suppressed"
	StatusAlreadyReferred = "already_referred"
	StatusQuotaExceeded   = "quota_exceeded"
	StatusSent            = "sent"
	StatusFailed          = "failed"
)

// Request is the body of POST /partners/{id}/invites.
type Request struct {
	Emails  []string `json:"emails"`
	Message *string  `json:"message"`
}

// Validate checks the request as a whole (400 when it fails): 1 to
// MaxEmails addresses, each judged later on its own, and an optional
// message of at most MaxMessageLen characters, with line breaks but no
// other control character, no format character and no link. It returns
// the message with line breaks as "\n" and surrounding space trimmed.
func (r Request) Validate() (message string, err error) {
	if len(r.Emails) == 0 || len(r.Emails) > MaxEmails {
		return "", fault.Invalid("emails must list 1 to %d addresses.", MaxEmails)
	}
	if r.Message == nil {
		return "", nil
	}
	m := lineBreaks.Replace(*r.Message)
	m = strings.TrimSpace(m)
	switch validate.Text(m, MaxMessageLen, true) {
	case nil:
	case validate.ErrTooLong:
		return "", fault.Invalid("message must be at most %d characters.", MaxMessageLen)
	default:
		return "", fault.Invalid("message may contain line breaks but no other control characters, and no invisible formatting characters.")
	}
	if HasLink(m) {
		return "", fault.Invalid("message may not contain a link or a web address: the invite carries the partner's link.")
	}
	return m, nil
}

// lineBreaks turns every line break into "\n".
var lineBreaks = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u2028", "\n", "\u2029", "\n")

// Links a mail client would make clickable: a scheme, "www.", or a host
// name (a label, a dot, and a last label of two or more letters). Dots
// include the ideographic and full-width ones that host names accept; with
// those the last label must be ASCII, so that sentences in Chinese or
// Japanese, which end in such dots, are not taken for host names.
var (
	webPrefix = regexp.MustCompile(`(?i)://|www[.。．｡]`)
	hostName  = regexp.MustCompile(`[\p{L}\p{M}\p{N}]\.\p{L}{2,}(?:[^\p{L}\p{M}\p{N}]|$)`)
	wideHost  = regexp.MustCompile(`(?i)[\p{L}\p{M}\p{N}][。．｡][a-z]{2,}(?:[^\p{L}\p{M}\p{N}]|$)`)
)

// HasLink reports whether s carries a link: "://", "www." or a host name
// (contract section 6). A partner's own link is the only one an invite
// carries, so a message cannot point its reader elsewhere.
func HasLink(s string) bool {
	return webPrefix.MatchString(s) || hostName.MatchString(s) || wideHost.MatchString(s)
}

// Result is one address's outcome, in request order.
type Result struct {
	Email  string `json:"email"`
	Status string `json:"status"`
}

// Response is the body of a 200 answer.
type Response struct {
	Results []Result `json:"results"`
}
