package partners

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/activity"
	"partnerkit/shared/billing/billingtest"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/emailaddr"
	"partnerkit/shared/httpapi/apitest"
	"partnerkit/shared/ledger"
	"partnerkit/shared/numbers"
	"partnerkit/shared/redirect"
	"partnerkit/shared/referral"
	"partnerkit/shared/signing"
	"partnerkit/shared/signup"
	"partnerkit/shared/webhook"
)

// TestLinkNumbersRecount scripts a month of one partner's clicks on two
// promo links and its code, signups through them, payments and a refund,
// all through the real redirect, signup and billing handlers, then checks
// that the numbers the API reports per link and day, per sub-id, and in
// the CSV export equal a recount from the raw records: the clicks as
// sent, the stored attributions and the stored ledger lines and payments.
func TestLinkNumbersRecount(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		st := dynamo.New(b.Client, b.Table)
		h := linksHandler(t, st)
		ann := enroll(t, h, "ann", "ann@example.com", "month-ann")
		me := map[string]string{"id": "me"}
		var spring, yt LinkJSON
		linkCall(t, h, "POST /partners/{id}/links", "ann", false, me, `{"name":"Spring","slug":"spring","sid":"nl"}`, nil, "", &spring)
		linkCall(t, h, "POST /partners/{id}/links", "ann", false, me, `{"name":"YouTube","slug":"yt","to":"/pricing"}`, nil, "", &yt)

		var now time.Time
		clock := func() time.Time { return now }
		kr, _ := signing.ParseKeyring("k1:0123456789abcdef")
		redirects, _ := referral.NewRedirects("https://www.example.com/welcome", nil)
		cookies := &referral.Cookies{Keys: kr, MaxAge: 90 * 24 * time.Hour}
		rh := lambda.NewHandler(redirect.New(redirect.Options{Store: st, Redirects: redirects, Cookies: cookies, Now: clock, Log: quiet()}).Handle)
		v, _ := webhook.NewVerifier([]string{billingtest.Secret}, clock)
		sh := lambda.NewHandler((&signup.Handler{Store: st, Verifier: v, Hasher: emailaddr.NewHasher("test-hash-secret"),
			Window: 90 * 24 * time.Hour, Now: clock, Log: quiet()}).Handle)
		bill := billingtest.New(t, st, testNow, 2500, 0)

		type key struct{ link, date string }
		clicks := map[key]int64{}
		rng := rand.New(rand.NewPCG(1, 2))
		start := activity.DayOf(testNow).AddDate(0, 0, -29)
		slugs := []string{"", "spring", "yt"}
		ids := map[string]string{"": referral.DefaultLink, "spring": spring.LinkID, "yt": yt.LinkID}
		customer := 0
		var payments []string
		for d := range 30 {
			day := start.AddDate(0, 0, d)
			for v := range 1 + rng.IntN(3) {
				slug := slugs[rng.IntN(3)]
				query := ""
				if rng.IntN(3) == 0 {
					query = "sid=tw" + fmt.Sprint(rng.IntN(2))
				}
				now = day.Add(time.Duration(8+v) * time.Hour)
				loc := click(t, rh, "month-ann", slug, query, nil)
				clicks[key{ids[slug], day.Format(activity.DateFormat)}]++
				vid, _ := url.Parse(loc)
				if rng.IntN(2) == 0 {
					continue
				}
				customer++
				cus := fmt.Sprintf("cus_%02d", customer)
				now = now.Add(20 * time.Minute)
				body := fmt.Sprintf(`{"type":"customer.created","timestamp":%q,"data":{"customer_id":%q,"email":"%s@example.net","visitor_id":%q,"created_at":%q}}`,
					now.Format(time.RFC3339), cus, cus, vid.Query().Get("pk_vid"), now.Format(time.RFC3339))
				if r := deliverSignup(t, sh, "msg_"+cus, body, now); r.StatusCode != 200 {
					t.Fatalf("signup %s: %d %s", cus, r.StatusCode, r.Body)
				}
				if rng.IntN(2) == 0 {
					paid := now.Add(2 * time.Hour)
					bill.SetNow(paid)
					pay := "pay_" + cus
					bill.Pay(t, pay, cus, int64(1000+rng.IntN(9000)), []string{"USD", "EUR"}[rng.IntN(2)], paid)
					payments = append(payments, pay)
					if rng.IntN(4) == 0 {
						bill.Refund(t, pay, "re_"+cus, 500, paid.Add(time.Hour))
					}
				}
			}
		}

		// The recount, from the raw records.
		want := map[string]map[string]numbers.Numbers{}
		add := func(link, date string, n numbers.Numbers) {
			if want[link] == nil {
				want[link] = map[string]numbers.Numbers{}
			}
			x := want[link][date]
			x.Add(n)
			want[link][date] = x
		}
		for k, c := range clicks {
			add(k.link, k.date, numbers.Numbers{Clicks: c})
		}
		sids := map[string]numbers.Numbers{}
		for i := 1; i <= customer; i++ {
			d, err := st.Attribution(t.Context(), fmt.Sprintf("cus_%02d", i))
			if err != nil || !d.Attributed {
				t.Fatalf("attribution %d: %+v %v", i, d, err)
			}
			link := d.LinkID
			if link == "" {
				link = referral.DefaultLink
			}
			c, _ := st.LookupBilling(t.Context(), "-", "-", "", d.CustomerID)
			date := c.Customer.CreatedAt.Format(activity.DateFormat)
			add(link, date, numbers.Numbers{Signups: 1})
			if d.Sid != "" {
				x := sids[d.Sid]
				x.Signups++
				sids[d.Sid] = x
			}
			if !c.Customer.LastPaidAt.IsZero() {
				add(link, c.Customer.LastPaidAt.Format(activity.DateFormat), numbers.Numbers{Customers: 1})
			}
		}
		lines, _, err := st.PartnerLinesPage(t.Context(), ann, []string{ledger.PeriodOf(start).String(), ledger.PeriodOf(testNow).String()}, dynamo.Cursor{}, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range lines {
			lk, _ := st.LookupBilling(t.Context(), "-", l.PaymentID, "", "")
			link := lk.Payment.LinkID
			if link == "" {
				link = referral.DefaultLink
			}
			add(link, time.UnixMilli(l.At).UTC().Format(activity.DateFormat), numbers.Numbers{Earned: map[string]int64{l.Currency: l.Amount}})
		}
		if len(payments) == 0 || len(lines) < len(payments) {
			t.Fatalf("the script paid %d times and stored %d lines", len(payments), len(lines))
		}

		t.Logf("%d clicks' days, %d signups, %d payments, %d lines, %d sub-ids", len(clicks), customer, len(payments), len(lines), len(sids))

		// What the API reports.
		q := map[string]string{"from": start.Format(activity.DateFormat), "to": testNow.Format(activity.DateFormat)}
		uniques := map[string]int64{} // by date, over the links
		for _, id := range []string{referral.DefaultLink, spring.LinkID, yt.LinkID} {
			var got struct {
				Days []LinkDay `json:"days"`
			}
			linkCall(t, h, "GET /partners/{id}/links/{link_id}/activity", "ann", false, map[string]string{"id": "me", "link_id": id}, "", q, "", &got)
			for _, day := range got.Days {
				w := want[id][day.Date]
				if day.Clicks != w.Clicks || day.Signups != w.Signups || day.Customers != w.Customers || !sameMoney(day.Earned, w.Earned) {
					t.Errorf("%s on %s: got %+v, recount %+v", id, day.Date, day.LinkStats, w)
				}
				uniques[day.Date] += day.UniqueClicks
				if day.UniqueClicks > day.Clicks || (day.Clicks > 0 && day.UniqueClicks == 0) {
					t.Errorf("%s on %s: %d unique of %d clicks", id, day.Date, day.UniqueClicks, day.Clicks)
				}
			}
		}
		var list linkList
		linkCall(t, h, "GET /partners/{id}/links", "ann", false, me, "", q, "", &list)
		for _, s := range list.SubIDs {
			if s.Signups != sids[s.Sid].Signups {
				t.Errorf("sub-id %s: %d signups, recount %d", s.Sid, s.Signups, sids[s.Sid].Signups)
			}
		}
		if len(list.SubIDs) != len(sids) {
			t.Errorf("sub-ids %+v, recount %+v", list.SubIDs, sids)
		}
		// The CSV says the same, row by row.
		csv := linkCall(t, h, "GET /partners/{id}/links", "ann", false, me, "", q, "text/csv", nil)
		rows := strings.Split(strings.TrimSpace(csv.Body), "\n")
		if len(rows) != 1+3*30 {
			t.Fatalf("CSV has %d rows, want a header and 90", len(rows))
		}
		for _, row := range rows[1:] {
			f := strings.Split(row, ",")
			w := want[f[1]][f[0]]
			if f[6] != fmt.Sprint(w.Clicks) || f[8] != fmt.Sprint(w.Signups) || f[9] != fmt.Sprint(w.Customers) {
				t.Errorf("CSV row %s, recount %+v", row, w)
			}
		}
		// The partner's own totals hold every link's clicks.
		var prof Profile
		call(t, h, request{route: "GET /partners/{id}", id: "me", sub: "ann"}, &prof)
		var total int64
		for _, c := range clicks {
			total += c
		}
		if prof.Stats.Clicks != total {
			t.Errorf("profile clicks %d, recount %d", prof.Stats.Clicks, total)
		}

		// And the admin's program numbers: the same clicks, unique clicks,
		// signups, customers and earnings per day (ann is the only partner
		// with any), ann on top.
		var program struct {
			Clicks      int64        `json:"clicks"`
			Signups     int64        `json:"signups"`
			Days        []ProgramDay `json:"days"`
			TopPartners []TopPartner `json:"top_partners"`
		}
		if r := linkCall(t, h, "GET /program/numbers", "root", true, nil, "", q, "", &program); r.StatusCode != 200 {
			t.Fatalf("program numbers: %d %s", r.StatusCode, r.Body)
		}
		if r := linkCall(t, h, "GET /program/numbers", "ann", false, nil, "", q, "", nil); r.StatusCode != 403 {
			t.Errorf("program numbers for a partner: %d, want 403", r.StatusCode)
		}
		for _, day := range program.Days {
			var w numbers.Numbers
			for _, byDate := range want {
				w.Add(byDate[day.Date])
			}
			if day.Clicks != w.Clicks || day.UniqueClicks != uniques[day.Date] || day.Signups != w.Signups || day.Customers != w.Customers || !sameMoney(day.Earned, w.Earned) {
				t.Errorf("program on %s: %+v, recount %+v", day.Date, day, w)
			}
		}
		if program.Clicks != total || program.Signups != int64(customer) || len(program.TopPartners) != 1 || program.TopPartners[0].PartnerID != ann || program.TopPartners[0].Clicks != total {
			t.Errorf("program: %d signups, top %+v; want %d and ann with %d clicks", program.Signups, program.TopPartners, customer, total)
		}
	})
}

func sameMoney(a, b map[string]int64) bool {
	for c, v := range a {
		if b[c] != v {
			return false
		}
	}
	for c, v := range b {
		if a[c] != v {
			return false
		}
	}
	return true
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// click follows /r/{code}/{slug} as a browser would and returns where it
// lands.
func click(t *testing.T, h lambda.Handler, code, slug, query string, cookies []string) string {
	t.Helper()
	params := map[string]string{"code": code}
	route := "GET /r/{code}"
	if slug != "" {
		params["slug"], route = slug, "GET /r/{code}/{slug}"
	}
	qs := map[string]string{}
	v, _ := url.ParseQuery(query)
	for k := range v {
		qs[k] = v.Get(k)
	}
	ev := map[string]any{"version": "2.0", "routeKey": route, "rawQueryString": query, "queryStringParameters": qs,
		"pathParameters": params, "cookies": cookies,
		"headers":        map[string]string{"user-agent": "Mozilla/5.0", "sec-fetch-dest": "document"},
		"requestContext": map[string]any{"http": map[string]string{"method": "GET"}}}
	b, _ := json.Marshal(ev)
	out, err := h.Invoke(t.Context(), b)
	if err != nil {
		t.Fatal(err)
	}
	var r redirect.Response
	if err := json.Unmarshal(out, &r); err != nil || r.StatusCode != 302 || !strings.Contains(r.Headers.Location, "pk_vid=") {
		t.Fatalf("click %s/%s?%s: %s", code, slug, query, out)
	}
	return r.Headers.Location
}

func deliverSignup(t *testing.T, h lambda.Handler, id, body string, now time.Time) apitest.Response {
	t.Helper()
	sig, err := webhook.Sign(billingtest.Secret, id, now.Unix(), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "POST /webhooks/signup", RawPath: "/webhooks/signup",
		Headers: map[string]string{"content-type": "application/json", "webhook-id": id,
			"webhook-timestamp": fmt.Sprint(now.Unix()), "webhook-signature": sig}, Body: body}
	ev.RequestContext.HTTP.Method = "POST"
	b, _ := json.Marshal(ev)
	return apitest.Invoke(t, h, b)
}
