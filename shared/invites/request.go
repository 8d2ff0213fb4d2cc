package invites

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"partnerkit/shared/httpapi"
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
// message of at most MaxMessageLen characters where line breaks and tabs
// are the only control characters. It returns the message with line
// breaks as "\n" and surrounding space trimmed.
func (r Request) Validate() (message string, err error) {
	if len(r.Emails) == 0 || len(r.Emails) > MaxEmails {
		return "", httpapi.Errorf(httpapi.CodeInvalidRequest, "emails must list 1 to %d addresses.", MaxEmails)
	}
	if r.Message == nil {
		return "", nil
	}
	m := strings.ReplaceAll(*r.Message, "\r\n", "\n")
	m = strings.TrimSpace(strings.ReplaceAll(m, "\r", "\n"))
	if utf8.RuneCountInString(m) > MaxMessageLen {
		return "", httpapi.Errorf(httpapi.CodeInvalidRequest, "message must be at most %d characters.", MaxMessageLen)
	}
	if strings.IndexFunc(m, func(c rune) bool { return unicode.IsControl(c) && c != '\n' && c != '\t' }) >= 0 {
		return "", httpapi.Errorf(httpapi.CodeInvalidRequest, "message may contain line breaks and tabs but no other control characters.")
	}
	return m, nil
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
