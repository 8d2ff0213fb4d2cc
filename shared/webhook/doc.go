// Package webhook verifies incoming webhooks signed per Standard Webhooks
// 1.0 (webhook-id, webhook-timestamp, webhook-signature; HMAC-SHA256 over
// "{id}.{timestamp}.{body}") and signs them, for tests and for integrators'
// senders. Both webhook functions verify through it before parsing.
package webhook
