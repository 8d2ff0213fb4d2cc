package redirect

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/partner"
	"partnerkit/shared/referral"
	"partnerkit/shared/signing"
)

// TestRequestsPerRedirect counts the DynamoDB requests of a redirect on a
// real store: a new visitor costs one write for the click and one for the
// first touch (sent together), a returning visitor one write for the
// click and one transaction deciding whether it is unique (sent
// together), and a cached code no read. These counts are what
// infra/COSTS.md prices.
func TestRequestsPerRedirect(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		api := dynamotest.NewCounter(b.Client)
		st := dynamo.New(api, b.Table)
		if _, _, err := st.CreatePartner(ctx, partner.Partner{ID: "pt_a", Code: "abcd2345", Subject: "u", Status: partner.StatusActive, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		api.Take()
		h, _ := testHandler(t, st)

		first := invoke(t, h, fixture(t))
		if got := api.Take(); got["GetItem"] != 1 || got["UpdateItem"] != 1 || got["PutItem"] != 1 || len(got) != 3 {
			t.Errorf("cold-cache new visitor: requests %v, want GetItem 1, UpdateItem 1, PutItem 1", got)
		}
		invoke(t, h, fixture(t))
		if got := api.Take(); got["GetItem"] != 0 || got["UpdateItem"] != 1 || got["PutItem"] != 1 {
			t.Errorf("warm new visitor: requests %v, want UpdateItem 1, PutItem 1 and no read", got)
		}
		returning := event(t, func(ev map[string]any) { ev["cookies"] = []any{strings.SplitN(first.Cookies[0], ";", 2)[0]} })
		invoke(t, h, returning)
		// Before unique clicks a returning visitor cost only the UpdateItem.
		if got := api.Take(); got["UpdateItem"] != 1 || got["TransactWriteItems"] != 1 || len(got) != 2 {
			t.Errorf("returning visitor: requests %v, want UpdateItem 1 and TransactWriteItems 1", got)
		}
	})
}

// TestWriteUnitsPerClick reports the write units of a click on DynamoDB
// Local, which reports consumed capacity: the figures infra/COSTS.md
// prices, table and program click index apart (counters are new here, so
// every click files its counter on the index, as only a counter's first
// click of a month does). Run with -v.
func TestWriteUnitsPerClick(t *testing.T) {
	b := dynamotest.DynamoDBLocal(t)
	ctx := context.Background()
	api := dynamotest.NewCounter(b.Client)
	st := dynamo.New(api, b.Table)
	if _, _, err := st.CreatePartner(ctx, partner.Partner{ID: "pt_a", Code: "abcd2345", Subject: "u", Status: partner.StatusActive, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateLink(ctx, "abcd2345", dynamo.Link{ID: "ln_2345678923", PartnerID: "pt_a", Name: "Spring", Slug: "spring", Sid: "nl", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	now := testNow
	kr, _ := signing.ParseKeyring("k1:0123456789abcdef")
	redirects, _ := referral.NewRedirects("https://www.example.com/welcome", nil)
	cookies := &referral.Cookies{Keys: kr, MaxAge: 90 * 24 * time.Hour, Secure: true}
	h := lambda.NewHandler(New(Options{Store: st, Redirects: redirects, Cookies: cookies, CodeTTL: CodeTTL, Now: func() time.Time { return now }}).Handle)
	for _, path := range []map[string]any{{"code": "abcd2345"}, {"code": "abcd2345", "slug": "spring"}} {
		invoke(t, h, event(t, func(ev map[string]any) { ev["pathParameters"] = path })) // warms the cache
		api.Take()
		first := invoke(t, h, event(t, func(ev map[string]any) { ev["pathParameters"] = path }))
		_, newUnits := api.Writes()
		newIndex := api.IndexWrites()
		if reads, _ := api.Reads(); reads != 0 {
			t.Errorf("%v: a warm new visitor read %d times", path, reads)
		}
		api.Take()
		cookie := []any{strings.SplitN(first.Cookies[0], ";", 2)[0]}
		invoke(t, h, event(t, func(ev map[string]any) { ev["pathParameters"], ev["cookies"] = path, cookie }))
		_, repeatUnits := api.Writes()
		repeatIndex := api.IndexWrites()
		api.Take()
		now = now.Add(time.Hour)
		invoke(t, h, event(t, func(ev map[string]any) { ev["pathParameters"], ev["cookies"] = path, cookie }))
		_, uniqueUnits := api.Writes()
		uniqueIndex := api.IndexWrites()
		api.Take()
		t.Logf("%v: new visitor %.1f WRU, repeat click within the hour %.1f WRU, unique returning click %.1f WRU", path, newUnits, repeatUnits, uniqueUnits)
		t.Logf("%v: of which the program's click index %.1f, %.1f and %.1f (a counter's first click of a month only)", path, newIndex, repeatIndex, uniqueIndex)
		newUnits, repeatUnits, uniqueUnits = newUnits-newIndex, repeatUnits-repeatIndex, uniqueUnits-uniqueIndex
		if newUnits > 3 || repeatUnits > 5 || uniqueUnits > 6 {
			t.Errorf("%v: new visitor %.1f WRU, repeat %.1f, unique repeat %.1f WRU on the table; want at most 3, 5 and 6", path, newUnits, repeatUnits, uniqueUnits)
		}
		// Each counter a click writes is filed once a month at most: one
		// index write, two in a transaction.
		if newIndex > 1 || repeatIndex > 1 || uniqueIndex > 3 {
			t.Errorf("%v: index units %.1f, %.1f and %.1f; want at most 1, 1 and 3", path, newIndex, repeatIndex, uniqueIndex)
		}
	}
}
