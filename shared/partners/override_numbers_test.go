package partners

import (
	"fmt"
	"testing"
	"time"

	"partnerkit/shared/activity"
	"partnerkit/shared/attribution"
	"partnerkit/shared/billing/billingtest"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/ledger"
	"partnerkit/shared/numbers"
	"partnerkit/shared/referral"
)

// TestOverrideMovesNumbers: an admin's override moves a customer's
// signup and paying customer from the old partner's link, sub-id and
// program rows to the new partner's code itself, leaves what its earlier
// payments earned where their lines are, and makes its later payments
// earn on the new partner's code: after overrides back and forth, every
// number by link, by sub-id and program-wide equals a recount from the
// stored attributions, payments and lines.
func TestOverrideMovesNumbers(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := t.Context()
		st := dynamo.New(b.Client, b.Table)
		h := linksHandler(t, st)
		ann := enroll(t, h, "ann", "ann@example.com", "ov-ann")
		bob := enroll(t, h, "bob", "bob@example.com", "ov-bob")
		var spring LinkJSON
		if r := linkCall(t, h, "POST /partners/{id}/links", "ann", false, map[string]string{"id": "me"}, `{"name":"Spring","slug":"spring","sid":"nl"}`, nil, "", &spring); r.StatusCode != 201 {
			t.Fatalf("link: %d %s", r.StatusCode, r.Body)
		}
		day := func(n int) time.Time { return testNow.AddDate(0, 0, -12+n) }
		signup := func(customer, link, sid string, at time.Time) {
			s := attribution.Signup{CustomerID: customer, Email: customer + "@example.net", CreatedAt: at}
			d := attribution.Decide(s, []attribution.Touch{{Source: attribution.SourceClick, PartnerID: ann, At: at.Add(-time.Hour), LinkID: link, Sid: sid}}, 90*24*time.Hour)
			resp := dynamo.WebhookResponse{Endpoint: "signup", ID: "msg_" + customer, Status: 200, Body: "{}"}
			if _, ok, _, err := st.SaveAttribution(ctx, d, s, "hash-"+customer, resp, at); err != nil || !ok {
				t.Fatalf("signup %s: %v", customer, err)
			}
		}
		override := func(customer, partnerID string) {
			t.Helper()
			r := linkCall(t, h, "PUT /customers/{customer_id}/attribution", "admin", true, map[string]string{"customer_id": customer},
				`{"partner_id":"`+partnerID+`","note":"moved"}`, nil, "", nil)
			if r.StatusCode != 200 {
				t.Fatalf("override %s: %d %s", customer, r.StatusCode, r.Body)
			}
		}
		bill := billingtest.New(t, st, testNow, 2500, 0)
		pay := func(id, customer string, amount int64, at time.Time) {
			bill.SetNow(at)
			bill.Pay(t, id, customer, amount, "USD", at)
		}

		// cus_a: spring with its sub-id, pays, moves to bob, pays again.
		signup("cus_a", spring.LinkID, "nl", day(0))
		pay("pay_a1", "cus_a", 10000, day(1))
		// cus_b: the code itself with a sub-id, never pays, moves to bob.
		signup("cus_b", "", "tw", day(0))
		// cus_c: spring, pays the day it signs up, moves to bob and back.
		signup("cus_c", spring.LinkID, "nl", day(2))
		pay("pay_c1", "cus_c", 8000, day(2))
		// cus_d: stays with ann.
		signup("cus_d", spring.LinkID, "nl", day(2))
		pay("pay_d1", "cus_d", 2000, day(3))

		// cus_e: attributed to nobody until an admin gives it to bob.
		{
			s := attribution.Signup{CustomerID: "cus_e", Email: "cus_e@example.net", CreatedAt: day(4)}
			resp := dynamo.WebhookResponse{Endpoint: "signup", ID: "msg_cus_e", Status: 200, Body: "{}"}
			if _, _, _, err := st.SaveAttribution(ctx, attribution.Decide(s, nil, 90*24*time.Hour), s, "hash-cus_e", resp, day(4)); err != nil {
				t.Fatal(err)
			}
		}
		override("cus_e", bob)
		override("cus_a", bob)
		override("cus_b", bob)
		override("cus_c", bob)
		override("cus_c", ann)
		pay("pay_a2", "cus_a", 4000, day(5))
		pay("pay_c2", "cus_c", 6000, day(6))

		// The recount, from the raw records.
		type linkDay struct{ partner, link, date string }
		type sidKey struct{ partner, sid string }
		want := map[linkDay]numbers.Numbers{}
		wantSid := map[sidKey]numbers.Numbers{}
		wantPartner := map[string]numbers.Numbers{}
		wantDate := map[string]numbers.Numbers{}
		count := func(partner, link, sid string, at time.Time, n numbers.Numbers) {
			if link == "" {
				link = referral.DefaultLink
			}
			date := at.UTC().Format(activity.DateFormat)
			for _, m := range []struct {
				m map[linkDay]numbers.Numbers
				k linkDay
			}{{want, linkDay{partner, link, date}}} {
				x := m.m[m.k]
				x.Add(n)
				m.m[m.k] = x
			}
			if sid != "" {
				x := wantSid[sidKey{partner, sid}]
				x.Add(n)
				wantSid[sidKey{partner, sid}] = x
			}
			x := wantPartner[partner]
			x.Add(n)
			wantPartner[partner] = x
			y := wantDate[date]
			y.Add(n)
			wantDate[date] = y
		}
		firstPaid := map[string]time.Time{"cus_a": day(1), "cus_c": day(2), "cus_d": day(3)}
		for _, c := range []string{"cus_a", "cus_b", "cus_c", "cus_d", "cus_e"} {
			d, err := st.Attribution(ctx, c)
			if err != nil || !d.Attributed {
				t.Fatalf("attribution of %s: %+v %v", c, d, err)
			}
			rec, err := st.AttributionRecord(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			count(d.PartnerID, d.LinkID, d.Sid, rec.CreatedAt, numbers.Numbers{Signups: 1})
			if at, ok := firstPaid[c]; ok {
				count(d.PartnerID, d.LinkID, d.Sid, at, numbers.Numbers{Customers: 1})
			}
		}
		periods := []string{ledger.PeriodOf(day(0)).String(), ledger.PeriodOf(testNow).String()}
		if periods[0] == periods[1] {
			periods = periods[:1]
		}
		lines := 0
		for _, p := range []string{ann, bob} {
			ls, _, err := st.PartnerLinesPage(ctx, p, periods, dynamo.Cursor{}, 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range ls {
				lk, err := st.LookupBilling(ctx, "-", l.PaymentID, "", "")
				if err != nil || lk.Payment == nil || lk.Payment.PartnerID != p {
					t.Fatalf("payment of line %+v: %+v %v", l, lk.Payment, err)
				}
				count(p, lk.Payment.LinkID, lk.Payment.Sid, time.UnixMilli(l.At), numbers.Numbers{Earned: map[string]int64{l.Currency: l.Amount}})
				lines++
			}
		}
		if lines != 5 {
			t.Fatalf("%d lines, want one per payment", lines)
		}
		if got := wantPartner[bob]; got.Signups != 3 || got.Customers != 1 || got.Earned["USD"] != 1000 {
			t.Fatalf("the recount gives bob %+v: the script went wrong", got)
		}

		// What the store reports.
		r := activity.Range{From: day(0), To: testNow}
		for _, p := range []string{ann, bob} {
			got, err := st.LinkNumbers(ctx, p, []string{referral.DefaultLink, spring.LinkID}, r, testNow)
			if err != nil {
				t.Fatal(err)
			}
			for link, byDate := range got {
				for date, n := range byDate {
					n.Clicks, n.Unique = 0, 0
					if w := want[linkDay{p, link, date}]; !sameNumbers(n, w) {
						t.Errorf("%s's %s on %s: %+v, recount %+v", p, link, date, n, w)
					}
				}
			}
			for k, w := range want {
				if k.partner == p && !sameNumbers(got[k.link][k.date], w) {
					t.Errorf("%s's %s on %s: %+v, recount %+v", p, k.link, k.date, got[k.link][k.date], w)
				}
			}
			sids, err := st.SidNumbers(ctx, p, r)
			if err != nil {
				t.Fatal(err)
			}
			for sid, n := range sids {
				if w := wantSid[sidKey{p, sid}]; !sameNumbers(n, w) {
					t.Errorf("%s's sub-id %s: %+v, recount %+v", p, sid, n, w)
				}
			}
			for k, w := range wantSid {
				if k.partner == p && !sameNumbers(sids[k.sid], w) {
					t.Errorf("%s's sub-id %s: %+v, recount %+v", p, k.sid, sids[k.sid], w)
				}
			}
		}
		byDate, byPartner, err := st.ProgramNumbers(ctx, r, testNow)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{ann, bob} {
			n := byPartner[p]
			n.Clicks, n.Unique = 0, 0
			if !sameNumbers(n, wantPartner[p]) {
				t.Errorf("program numbers of %s: %+v, recount %+v", p, n, wantPartner[p])
			}
		}
		for date, w := range wantDate {
			n := byDate[date]
			n.Clicks, n.Unique = 0, 0
			if !sameNumbers(n, w) {
				t.Errorf("program on %s: %+v, recount %+v", date, n, w)
			}
		}
	})
}

// sameNumbers compares numbers, a missing currency the same as zero.
func sameNumbers(a, b numbers.Numbers) bool {
	nonzero := func(m map[string]int64) map[string]int64 {
		out := map[string]int64{}
		for c, v := range m {
			if v != 0 {
				out[c] = v
			}
		}
		return out
	}
	a.Earned, b.Earned = nonzero(a.Earned), nonzero(b.Earned)
	return fmt.Sprint(a) == fmt.Sprint(b)
}
