package referral

import (
	"strings"

	"partnerkit/shared/signing"
)

// InviteParam is the query parameter of an invite link,
// PUBLIC_BASE_URL/r/{code}?inv=<token>.
const InviteParam = "inv"

const (
	invitePurpose = "invite"
	// maxInviteToken bounds what Open even looks at.
	maxInviteToken = 512
	emailHashLen   = 32 // hex of emailaddr.Hasher's 128 bits
)

// Invite is what an invite link's token names: the inviting partner (its
// id and referral code) and the invited address, as its HMAC hash; never
// the address itself.
type Invite struct {
	PartnerID string
	Code      string
	EmailHash string
}

// InviteTokens seals and opens invite tokens with the COOKIE_SECRET key
// ring, under a purpose of their own: a cookie or an unsubscribe token
// never opens as an invite.
type InviteTokens struct {
	Keys *signing.Keyring
}

// Seal returns the token of inv, for the ?inv= parameter: URL-safe as it is.
func (t *InviteTokens) Seal(inv Invite) string {
	payload := inv.PartnerID + "|" + inv.Code + "|" + inv.EmailHash
	return t.Keys.Seal(invitePurpose, raw64.EncodeToString([]byte(payload)))
}

// Open verifies a token made by Seal and returns its invite. Forged,
// tampered, malformed and oversize tokens are refused (ok false).
func (t *InviteTokens) Open(token string) (Invite, bool) {
	if t == nil || t.Keys == nil || len(token) > maxInviteToken {
		return Invite{}, false
	}
	payload, ok := t.Keys.Open(invitePurpose, token)
	if !ok {
		return Invite{}, false
	}
	raw, err := raw64.DecodeString(payload)
	if err != nil {
		return Invite{}, false
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) != 3 {
		return Invite{}, false
	}
	inv := Invite{PartnerID: parts[0], Code: parts[1], EmailHash: parts[2]}
	if code, ok := NormalizeCode(inv.Code); !ok || code != inv.Code || inv.PartnerID == "" || len(inv.PartnerID) > 64 || !hexHash(inv.EmailHash) {
		return Invite{}, false
	}
	return inv, true
}

func hexHash(s string) bool {
	if len(s) != emailHashLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
