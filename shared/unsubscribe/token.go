package unsubscribe

import "partnerkit/shared/signing"

const (
	purpose  = "unsubscribe"
	maxToken = 256
	hashLen  = 32 // hex of emailaddr.Hasher's 128 bits
)

// Tokens seals and opens unsubscribe tokens with the COOKIE_SECRET key
// ring, under a purpose of their own. A token names the address by its
// HMAC hash only, so the link carries no address.
type Tokens struct {
	Keys *signing.Keyring
}

// Seal returns the token of an address hash; it is URL-safe as it is.
func (t *Tokens) Seal(emailHash string) string {
	return t.Keys.Seal(purpose, emailHash)
}

// Open verifies a token made by Seal and returns its address hash.
// Forged, tampered, malformed and oversize tokens are refused (ok false).
func (t *Tokens) Open(token string) (emailHash string, ok bool) {
	if len(token) > maxToken {
		return "", false
	}
	h, ok := t.Keys.Open(purpose, token)
	if !ok || len(h) != hashLen {
		return "", false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", false
		}
	}
	return h, true
}

// URL returns the unsubscribe link of an address hash under baseURL
// (PUBLIC_BASE_URL): baseURL/u/{token}.
func (t *Tokens) URL(baseURL, emailHash string) string {
	return baseURL + "/u/" + t.Seal(emailHash)
}
