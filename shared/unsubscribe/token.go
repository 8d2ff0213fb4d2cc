package unsubscribe

import (
	"encoding/base64"
	"strings"

	"partnerkit/shared/partner"
	"partnerkit/shared/signing"
)

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

// Partner lifecycle emails have tokens of their own purpose: they name a
// partner and the kind of email to stop (partner.Kinds, or KindAll), so a
// partner's link never suppresses an address for invitations and an
// invitation's link never changes a partner's preferences.
const (
	partnerPurpose = "unsubscribe-partner"
	// KindAll stops every kind of lifecycle email.
	KindAll = "all"
)

// SealPartner returns the token that stops emails of kind to a partner.
func (t *Tokens) SealPartner(partnerID, kind string) string {
	return t.Keys.Seal(partnerPurpose, base64.RawURLEncoding.EncodeToString([]byte(kind+"\n"+partnerID)))
}

// OpenPartner verifies a token made by SealPartner and returns its
// partner id and kind; forged, tampered, malformed and oversize tokens,
// and kinds no longer known, are refused (ok false).
func (t *Tokens) OpenPartner(token string) (partnerID, kind string, ok bool) {
	if len(token) > maxToken {
		return "", "", false
	}
	payload, ok := t.Keys.Open(partnerPurpose, token)
	if !ok {
		return "", "", false
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(payload)
	if err != nil {
		return "", "", false
	}
	kind, partnerID, found := strings.Cut(string(raw), "\n")
	if !found || partnerID == "" || !(kind == KindAll || partner.KnownKind(kind)) {
		return "", "", false
	}
	return partnerID, kind, true
}

// PartnerURL returns the unsubscribe link of a partner's emails of kind
// under baseURL (PUBLIC_BASE_URL): baseURL/u/{token}.
func (t *Tokens) PartnerURL(baseURL, partnerID, kind string) string {
	return baseURL + "/u/" + t.SealPartner(partnerID, kind)
}
