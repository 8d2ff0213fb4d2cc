package redirect

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/referral"
	"partnerkit/shared/signing"
)

func inviteHandler(t testing.TB, store Store) (lambda.Handler, *referral.InviteTokens) {
	t.Helper()
	kr, err := signing.ParseKeyring("k1:0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	redirects, err := referral.NewRedirects("https://www.example.com/welcome?src=pk", nil)
	if err != nil {
		t.Fatal(err)
	}
	invites := &referral.InviteTokens{Keys: kr}
	h := New(Options{
		Store: store, Redirects: redirects, Invites: invites, CodeTTL: CodeTTL, Now: func() time.Time { return testNow },
		Cookies: &referral.Cookies{Keys: kr, MaxAge: 90 * 24 * time.Hour, Secure: true},
	})
	return lambda.NewHandler(h.Handle), invites
}

const testEmailHash = "0123456789abcdef0123456789abcdef"

// TestInviteLink: ?inv= with a valid token counts the click (and the first
// touch) for the inviting partner; a forged or foreign token is ignored.
func TestInviteLink(t *testing.T) {
	kr, err := signing.ParseKeyring("k1:another-key-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	foreign := &referral.InviteTokens{Keys: kr}
	fromA := referral.Invite{PartnerID: "pt_a", Code: "abcd2345", EmailHash: testEmailHash}
	tests := []struct {
		name  string
		code  string
		token func(own *referral.InviteTokens) string
		want  string // partner whose click counts, "" for none
	}{
		{"on the inviter's link", "abcd2345", func(own *referral.InviteTokens) string { return own.Seal(fromA) }, "pt_a"},
		{"moved to another partner's link", "bbbb2345", func(own *referral.InviteTokens) string { return own.Seal(fromA) }, "pt_a"},
		{"on a malformed code", "bad_code!", func(own *referral.InviteTokens) string { return own.Seal(fromA) }, "pt_a"},
		{"forged key", "bbbb2345", func(*referral.InviteTokens) string { return foreign.Seal(fromA) }, "pt_b"},
		{"tampered", "bbbb2345", func(own *referral.InviteTokens) string { return own.Seal(fromA) + "x" }, "pt_b"},
		{"garbage", "bbbb2345", func(*referral.InviteTokens) string { return "nonsense" }, "pt_b"},
		{"inviter suspended", "bbbb2345", func(own *referral.InviteTokens) string {
			return own.Seal(referral.Invite{PartnerID: "pt_s", Code: "sus-code", EmailHash: testEmailHash})
		}, ""},
		{"code not the inviter's", "bbbb2345", func(own *referral.InviteTokens) string {
			return own.Seal(referral.Invite{PartnerID: "pt_x", Code: "abcd2345", EmailHash: testEmailHash})
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newFakeStore()
			h, own := inviteHandler(t, store)
			r := invoke(t, h, event(t, func(ev map[string]any) {
				ev["pathParameters"] = map[string]any{"code": tt.code}
				ev["queryStringParameters"] = map[string]any{"inv": tt.token(own)}
			}))
			vid := visitorOf(t, r.Headers["Location"])
			switch {
			case tt.want == "":
				if len(store.clicks) != 0 || vid != "" {
					t.Errorf("clicks %v, pk_vid %q; want no click", store.clicks, vid)
				}
			case store.clicks[tt.want] != 1 || len(store.clicks) != 1 || store.touches[vid].PartnerID != tt.want:
				t.Errorf("clicks %v, first touch %+v; want one click and the first touch for %s", store.clicks, store.touches[vid], tt.want)
			}
		})
	}
}

// BenchmarkRedirectInvite is BenchmarkRedirectHandler with an invite
// token: the cost of verifying ?inv=.
func BenchmarkRedirectInvite(b *testing.B) {
	h, invites := inviteHandler(b, nopStore{})
	payload := event(b, func(ev map[string]any) {
		ev["queryStringParameters"] = map[string]any{"inv": invites.Seal(referral.Invite{PartnerID: "pt_a", Code: "abcd2345", EmailHash: testEmailHash})}
	})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Invoke(ctx, payload); err != nil {
			b.Fatal(err)
		}
	}
}
