package accrual_test

import (
	"context"
	"testing"
	"time"

	"partnerkit/shared/activity"
	"partnerkit/shared/attribution"
	"partnerkit/shared/billing/billingtest"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/referral"
)

// TestSettledPaymentsCountOnTheirLink: a payment that arrived before its
// customer's signup, settled by the monthly run, earns on the customer's
// promo link, sub-id and the program's day like a payment attributed at
// arrival, and makes a paying customer of its link's day.
func TestSettledPaymentsCountOnTheirLink(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		e := billingtest.New(t, st, oct.Add(time.Hour), 2500, 0)
		attribute := func(customer string, at time.Time) {
			s := attribution.Signup{CustomerID: customer, Email: customer + "@example.net", CreatedAt: at}
			d := attribution.Decide(s, []attribution.Touch{{Source: attribution.SourceClick, PartnerID: "pt_l", At: at.Add(-time.Hour), LinkID: "ln_spring", Sid: "nl"}}, 90*24*time.Hour)
			resp := dynamo.WebhookResponse{Endpoint: "signup", ID: "msg_" + customer, Status: 200, Body: "{}"}
			if _, ok, _, err := st.SaveAttribution(ctx, d, s, "hash-"+customer, resp, at); err != nil || !ok {
				t.Fatalf("signup %s: %v", customer, err)
			}
		}
		attribute("cus_early", signedUp)
		e.Pay(t, "p_arrival", "cus_early", 4000, "USD", oct) // +1000 at arrival
		e.Pay(t, "p_pending", "cus_late", 9900, "EUR", oct)  // before its signup: pending
		attribute("cus_late", oct.Add(24*time.Hour))
		if _, err := runner(st, nov2, 0).Run(ctx, "2026-10"); err != nil {
			t.Fatal(err)
		}
		lk, err := st.LookupBilling(ctx, "-", "p_pending", "", "")
		if err != nil || lk.Payment == nil || lk.Payment.PartnerID != "pt_l" || lk.Payment.LinkID != "ln_spring" || lk.Payment.Sid != "nl" {
			t.Fatalf("settled payment = %+v, %v; want pt_l's through ln_spring and nl", lk.Payment, err)
		}

		r := activity.Range{From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)}
		links, err := st.LinkNumbers(ctx, "pt_l", []string{"ln_spring", referral.DefaultLink}, r, nov2)
		if err != nil {
			t.Fatal(err)
		}
		day := oct.Format(activity.DateFormat)
		if got := links["ln_spring"][day]; got.Customers != 2 || got.Earned["USD"] != 1000 || got.Earned["EUR"] != 2475 {
			t.Errorf("ln_spring on %s = %+v; want 2 paying customers, USD 1000 and EUR 2475", day, got)
		}
		if len(links[referral.DefaultLink]) != 0 {
			t.Errorf("the code itself got %+v", links[referral.DefaultLink])
		}
		sids, err := st.SidNumbers(ctx, "pt_l", r)
		if err != nil || sids["nl"].Earned["EUR"] != 2475 || sids["nl"].Customers != 2 {
			t.Errorf("sub-id nl = %+v, %v; want EUR 2475 and 2 paying customers", sids["nl"], err)
		}
		byDate, byPartner, err := st.ProgramNumbers(ctx, r, nov2)
		if err != nil || byDate[day].Earned["EUR"] != 2475 || byPartner["pt_l"].Earned["EUR"] != 2475 {
			t.Errorf("program numbers = %+v, %+v, %v; want EUR 2475 on %s and for pt_l", byDate[day], byPartner["pt_l"], err, day)
		}

		// Running the close again counts nothing twice.
		if _, err := runner(st, nov2.Add(time.Hour), 0).Run(ctx, "2026-10"); err != nil {
			t.Fatal(err)
		}
		again, err := st.LinkNumbers(ctx, "pt_l", []string{"ln_spring"}, r, nov2)
		if err != nil || again["ln_spring"][day].Earned["EUR"] != 2475 {
			t.Errorf("after a second run: %+v, %v", again["ln_spring"][day], err)
		}
	})
}
