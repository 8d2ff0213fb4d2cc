package signup

import (
	"testing"

	"partnerkit/shared/emailaddr"
	"partnerkit/shared/referral"
	"partnerkit/shared/validate"
)

func FuzzDecode(f *testing.F) {
	f.Add([]byte(customerBody("cus_1", "carol@example.com", "v_AAAAAAAAAAAAAAAAAAAAAA", "alice", "2026-11-24T10:15:59.5Z")))
	f.Add([]byte(`{"type":"customer.created","timestamp":"2026-11-24T10:16:00Z","data":{"customer_id":"c","email":"a@b.co","created_at":"2026-02-30T00:00:00Z"}}`))
	f.Add([]byte(`{"type":"customer.created","data":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := Decode(body, testNow)
		if err != nil {
			return
		}
		// Whatever is accepted satisfies what the store relies on.
		if validate.ExternalID(ev.CustomerID) != nil || validate.RecentTime(ev.CreatedAt, testNow) != nil || ev.CreatedAt.IsZero() {
			t.Fatalf("accepted %q as %+v", body, ev)
		}
		if n, err := emailaddr.Normalize(ev.Email); err != nil || n != ev.Email {
			t.Fatalf("accepted email %q", ev.Email)
		}
		if ev.VisitorID != "" && !referral.ValidVisitorID(ev.VisitorID) {
			t.Fatalf("accepted visitor id %q", ev.VisitorID)
		}
		if c, ok := referral.NormalizeCode(ev.Code); ev.Code != "" && (!ok || c != ev.Code) {
			t.Fatalf("accepted code %q", ev.Code)
		}
	})
}
