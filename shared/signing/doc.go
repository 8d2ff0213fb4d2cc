// Package signing seals short values with HMAC-SHA256 under a key ring of
// key ids, so keys can be rotated: the first key signs, every key verifies.
// The referral cookie and the invite and unsubscribe tokens are sealed here.
package signing
