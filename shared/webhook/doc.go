// Package webhook verifies incoming webhooks signed per Standard Webhooks
// 1.0 (webhook-id, webhook-timestamp, webhook-signature; HMAC-SHA256 over
// "{id}.{timestamp}.{body}") and signs them, for tests and for integrators'
// senders. Both webhook functions verify through it before parsing.
//
// The official Standard Webhooks Go library is the tests' reference, not
// the verifier: it parses timestamps with strconv (a sign is accepted) and
// signs the reparsed number rather than the header, checks no id beyond
// presence, decodes secrets leniently, and reads the clock itself.
package webhook
