// Package email sends partnerkit's emails through Amazon SES v2: a plain
// Message, checked before it leaves, and the SES adapter that turns it into
// one SendEmail call with simple content (text and HTML parts, custom
// headers). The invites function links it, and the events function for the
// partner emails (package notify).
package email
