package dynamo_test

import (
	"context"
	"testing"
	"time"

	"partnerkit/shared/activity"
	"partnerkit/shared/attribution"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/partner"
	"partnerkit/shared/referral"
)

// TestSignupsByLink follows a click through a promo link with a sub-id to
// the signup it wins: the first touch, the attribution's evidence and
// the link's and sub-id's day rows all carry the link.
func TestSignupsByLink(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		now := time.Now().UTC()
		if _, _, err := st.CreatePartner(ctx, partner.Partner{ID: "pt_a", Code: "ann-code", Subject: "u", Status: partner.StatusActive, CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		touch := referral.Touch{VisitorID: referral.NewVisitorID(), PartnerID: "pt_a", At: now.Add(-time.Hour).Truncate(time.Millisecond), LinkID: "ln_2345678923", Sid: "yt-7"}
		if _, _, err := st.RecordFirstTouch(ctx, touch, 90*24*time.Hour); err != nil {
			t.Fatal(err)
		}
		lk, err := st.LookupSignup(ctx, dynamo.SignupKeys{WebhookID: "msg_1", CustomerID: "cus_1", VisitorID: touch.VisitorID})
		if err != nil || lk.Click == nil || lk.Click.LinkID != touch.LinkID || lk.Click.Sid != "yt-7" {
			t.Fatalf("lookup: %+v, %v", lk.Click, err)
		}
		s := attribution.Signup{CustomerID: "cus_1", Email: "c@example.com", CreatedAt: now}
		d := attribution.Decide(s, []attribution.Touch{{Source: attribution.SourceClick, PartnerID: "pt_a", At: lk.Click.At, LinkID: lk.Click.LinkID, Sid: lk.Click.Sid}}, 90*24*time.Hour)
		if _, _, _, err := st.SaveAttribution(ctx, d, s, "h", dynamo.WebhookResponse{Endpoint: "signup", ID: "msg_1", Status: 200, Body: "{}"}, now); err != nil {
			t.Fatal(err)
		}
		got, err := st.Attribution(ctx, "cus_1")
		if err != nil || got.LinkID != touch.LinkID || got.Sid != "yt-7" || len(got.Candidates) != 1 || got.Candidates[0].LinkID != touch.LinkID {
			t.Errorf("attribution %+v, %v: want the link and sub-id kept", got, err)
		}
		day := activity.DayOf(now)
		r := activity.Range{From: day, To: day}
		byLink, err := st.LinkNumbers(ctx, "pt_a", []string{touch.LinkID, referral.DefaultLink}, r, now)
		if err != nil || byLink[touch.LinkID][day.Format(activity.DateFormat)].Signups != 1 || len(byLink[referral.DefaultLink]) != 0 {
			t.Errorf("link numbers %+v, %v: want one signup on the link", byLink, err)
		}
		sids, err := st.SidNumbers(ctx, "pt_a", r)
		if err != nil || sids["yt-7"].Signups != 1 || len(sids) != 1 {
			t.Errorf("sub-id numbers %+v, %v", sids, err)
		}
	})
}
