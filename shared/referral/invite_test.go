package referral

import (
	"testing"

	"partnerkit/shared/signing"
)

const testEmailHash = "0123456789abcdef0123456789abcdef"

func TestInviteTokens(t *testing.T) {
	kr, err := signing.ParseKeyring("k1:0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	tokens := &InviteTokens{Keys: kr}
	inv := Invite{PartnerID: "pt_a", Code: "abcd2345", EmailHash: testEmailHash}
	if got, ok := tokens.Open(tokens.Seal(inv)); !ok || got != inv {
		t.Errorf("Open(Seal(inv)) = %+v, %v", got, ok)
	}
	for _, bad := range []Invite{
		{PartnerID: "", Code: "abcd2345", EmailHash: testEmailHash},
		{PartnerID: "pt_a", Code: "AB", EmailHash: testEmailHash},
		{PartnerID: "pt_a", Code: "abcd2345", EmailHash: "bob@example.com"},
		{PartnerID: "pt|a", Code: "abcd2345", EmailHash: testEmailHash},
	} {
		if got, ok := tokens.Open(tokens.Seal(bad)); ok {
			t.Errorf("a token of %+v opened as %+v", bad, got)
		}
	}
	var none *InviteTokens
	if _, ok := none.Open(tokens.Seal(inv)); ok {
		t.Error("nil InviteTokens opened a token")
	}
}
