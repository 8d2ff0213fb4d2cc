package redirect

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/activity"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/partner"
	"partnerkit/shared/referral"
	"partnerkit/shared/signing"
)

// slugEvent is the browser fixture on /r/{code}/{slug} with a query.
func slugEvent(t *testing.T, code, slug, query string, cookies []any) []byte {
	return event(t, func(ev map[string]any) {
		ev["pathParameters"] = map[string]any{"code": code, "slug": slug}
		ev["rawQueryString"] = query
		q := map[string]any{}
		v, _ := url.ParseQuery(query)
		for k := range v {
			q[k] = v.Get(k)
		}
		ev["queryStringParameters"] = q
		if cookies != nil {
			ev["cookies"] = cookies
		}
	})
}

func TestPromoLink(t *testing.T) {
	store := newFakeStore()
	h, _ := testHandler(t, store)
	r := invoke(t, h, slugEvent(t, "ABCD2345", "Spring", "utm_source=yt", nil))
	vid := visitorOf(t, r.Headers["Location"])
	if want := "https://www.example.com/pricing?plan=pro&utm_source=yt&sid=newsletter&pk_vid=" + vid; r.Headers["Location"] != want {
		t.Errorf("Location = %q, want %q", r.Headers["Location"], want)
	}
	if got := store.touches[vid]; got.LinkID != "ln_2345678923" || got.Sid != "newsletter" {
		t.Errorf("touch %+v, want link ln_2345678923 and sid newsletter", got)
	}
	if store.linkClicks["ln_2345678923"] != 1 || store.unique["ln_2345678923"] != 1 {
		t.Errorf("link clicks %v unique %v, want one of each", store.linkClicks, store.unique)
	}

	// A ?sid= of the click wins over the link's, and reaches the page as is.
	r = invoke(t, h, slugEvent(t, "abcd2345", "spring", "sid=tw-42", nil))
	vid = visitorOf(t, r.Headers["Location"])
	if !strings.Contains(r.Headers["Location"], "?plan=pro&sid=tw-42&pk_vid=") || store.touches[vid].Sid != "tw-42" {
		t.Errorf("Location %q touch %+v: want sid tw-42", r.Headers["Location"], store.touches[vid])
	}

	// ?sid= on the plain code is recorded too.
	r = invoke(t, h, slugEvent(t, "abcd2345", "", "sid=abc", nil))
	if vid = visitorOf(t, r.Headers["Location"]); store.touches[vid].Sid != "abc" || store.touches[vid].LinkID != "" {
		t.Errorf("plain code with sid: touch %+v", store.touches[vid])
	}

	// An archived link lands on its target and counts for the code itself;
	// an unknown slug is the code itself.
	before := store.linkClicks[""]
	r = invoke(t, h, slugEvent(t, "abcd2345", "old", "", nil))
	if !strings.HasPrefix(r.Headers["Location"], "https://www.example.com/old?pk_vid=") || store.linkClicks[""] != before+1 {
		t.Errorf("archived link: Location %q, default clicks %d", r.Headers["Location"], store.linkClicks[""])
	}
	r = invoke(t, h, slugEvent(t, "abcd2345", "nope", "", nil))
	if !strings.HasPrefix(r.Headers["Location"], "https://www.example.com/welcome?src=pk&pk_vid=") || store.linkClicks[""] != before+2 {
		t.Errorf("unknown slug: Location %q", r.Headers["Location"])
	}

	// HEAD and bots land on the link's target, uncounted.
	clicks := store.clicks["pt_a"]
	r = invoke(t, h, event(t, func(ev map[string]any) {
		ev["pathParameters"] = map[string]any{"code": "abcd2345", "slug": "spring"}
		ev["rawQueryString"], ev["queryStringParameters"] = "", map[string]any{}
		ev["headers"].(map[string]any)["user-agent"] = "Slackbot-LinkExpanding 1.0"
	}))
	if r.Headers["Location"] != "https://www.example.com/pricing?plan=pro&sid=newsletter" || store.clicks["pt_a"] != clicks {
		t.Errorf("bot on a promo link: Location %q, clicks %d → %d", r.Headers["Location"], clicks, store.clicks["pt_a"])
	}
}

func TestUniqueClicks(t *testing.T) {
	store := newFakeStore()
	now := testNow
	kr, _ := signing.ParseKeyring("k1:0123456789abcdef")
	redirects, _ := referral.NewRedirects("https://www.example.com/welcome", nil)
	cookies := &referral.Cookies{Keys: kr, MaxAge: 90 * 24 * time.Hour, Secure: true}
	h := lambda.NewHandler(New(Options{Store: store, Redirects: redirects, Cookies: cookies, CodeTTL: CodeTTL, Now: func() time.Time { return now }}).Handle)

	first := invoke(t, h, slugEvent(t, "abcd2345", "spring", "", nil))
	jar := []any{strings.SplitN(first.Cookies[0], ";", 2)[0]}
	for _, step := range []time.Duration{10 * time.Minute, 40 * time.Minute, 11 * time.Minute} {
		now = now.Add(step)
		invoke(t, h, slugEvent(t, "abcd2345", "spring", "", jar))
	}
	// 0, 10, 50 and 61 minutes: the last is an hour after the first.
	if store.linkClicks["ln_2345678923"] != 4 || store.unique["ln_2345678923"] != 2 {
		t.Errorf("clicks %d unique %d, want 4 clicks and 2 unique", store.linkClicks["ln_2345678923"], store.unique["ln_2345678923"])
	}
	// The same visitor on the code itself is unique there.
	invoke(t, h, slugEvent(t, "abcd2345", "", "", jar))
	if store.unique[""] != 1 {
		t.Errorf("unique on the code itself = %d, want 1", store.unique[""])
	}
}

// TestUniqueClicksStored is TestUniqueClicks on the real store: repeat
// clicks within an hour add clicks but one unique click, per link.
func TestUniqueClicksStored(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		if _, _, err := st.CreatePartner(ctx, partner.Partner{ID: "pt_a", Code: "abcd2345", Subject: "u", Status: partner.StatusActive, CreatedAt: testNow}); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateLink(ctx, "abcd2345", dynamo.Link{ID: "ln_2345678923", PartnerID: "pt_a", Name: "Spring", Slug: "spring", To: "/pricing", CreatedAt: testNow}); err != nil {
			t.Fatal(err)
		}
		now := testNow
		kr, _ := signing.ParseKeyring("k1:0123456789abcdef")
		redirects, _ := referral.NewRedirects("https://www.example.com/welcome", nil)
		cookies := &referral.Cookies{Keys: kr, MaxAge: 90 * 24 * time.Hour, Secure: true}
		h := lambda.NewHandler(New(Options{Store: st, Redirects: redirects, Cookies: cookies, Now: func() time.Time { return now }}).Handle)

		first := invoke(t, h, slugEvent(t, "abcd2345", "spring", "", nil))
		if !strings.HasPrefix(first.Headers["Location"], "https://www.example.com/pricing?pk_vid=") {
			t.Fatalf("Location %q", first.Headers["Location"])
		}
		jar := []any{strings.SplitN(first.Cookies[0], ";", 2)[0]}
		for _, step := range []time.Duration{10 * time.Minute, 40 * time.Minute, 11 * time.Minute} {
			now = now.Add(step)
			invoke(t, h, slugEvent(t, "abcd2345", "spring", "", jar))
		}
		invoke(t, h, slugEvent(t, "abcd2345", "", "", jar))
		day := activity.DayOf(testNow)
		got, err := st.LinkNumbers(ctx, "pt_a", []string{"ln_2345678923", referral.DefaultLink}, activity.Range{From: day, To: day}, now)
		if err != nil {
			t.Fatal(err)
		}
		date := day.Format(activity.DateFormat)
		if l := got["ln_2345678923"][date]; l.Clicks != 4 || l.Unique != 2 {
			t.Errorf("link numbers %+v, want 4 clicks, 2 unique", l)
		}
		if d := got[referral.DefaultLink][date]; d.Clicks != 1 || d.Unique != 1 {
			t.Errorf("default link numbers %+v, want 1 click, 1 unique", d)
		}
		// The partner's totals hold both links' clicks.
		if c, err := st.Counts(ctx, "pt_a"); err != nil || c.Clicks != 5 {
			t.Errorf("Counts = %+v, %v; want 5 clicks", c, err)
		}
		if days, err := st.Activity(ctx, "pt_a"); err != nil || days[date].Clicks != 5 {
			t.Errorf("Activity[%s] = %+v, %v; want 5 clicks", date, days[date], err)
		}
	})
}
