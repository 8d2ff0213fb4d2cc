package partners

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/httpapi/apitest"
	"partnerkit/shared/referral"
)

// linkCall is a request on a link route: path parameters, a body, a query
// and an Accept header.
func linkCall(t *testing.T, h lambda.Handler, route, sub string, admin bool, params map[string]string, body string, query map[string]string, accept string, into any) apitest.Response {
	t.Helper()
	ev := apitest.Load(t, "testdata/apigw-v2-enroll.json")
	apitest.SetRoute(ev, route, params)
	apitest.SetBody(ev, body, false)
	apitest.SetClaims(ev, apitest.Claims{Sub: sub, Email: sub + "@example.com", Admin: admin})
	q := map[string]any{}
	for k, v := range query {
		q[k] = v
	}
	ev["queryStringParameters"] = q
	if accept != "" {
		ev["headers"].(map[string]any)["accept"] = accept
	}
	r := apitest.Invoke(t, h, apitest.Encode(t, ev))
	if into != nil {
		r.DecodeBody(t, into)
	}
	return r
}

func linksHandler(t *testing.T, st *dynamo.Store) lambda.Handler {
	redirects, err := referral.NewRedirects("https://www.example.com/welcome", []string{"app.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: testNow}
	return lambda.NewHandler((&Handler{Store: st, Money: st, BaseURL: "https://go.example.com", Redirects: redirects, Now: c.now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handle)
}

func TestLinkRoutes(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		st := dynamo.New(b.Client, b.Table)
		h := linksHandler(t, st)
		ann := enroll(t, h, "ann", "ann@example.com", "acme-ann")
		me := map[string]string{"id": "me"}

		var spring LinkJSON
		r := linkCall(t, h, "POST /partners/{id}/links", "ann", false, me, `{"name":"Spring newsletter","to":"/pricing","sid":"nl-1"}`, nil, "", &spring)
		if r.StatusCode != 201 || spring.URL != "https://go.example.com/r/acme-ann/spring-newsletter" || spring.To != "/pricing" || spring.Sid != "nl-1" || !referral.ValidLinkID(spring.LinkID) {
			t.Fatalf("create: %d %s", r.StatusCode, r.Body)
		}
		var yt LinkJSON
		if r := linkCall(t, h, "POST /partners/{id}/links", "ann", false, me, `{"name":"YouTube","slug":"YT","to":"https://app.example.com/signup"}`, nil, "", &yt); r.StatusCode != 201 || yt.Slug != "yt" {
			t.Fatalf("create with slug: %d %s", r.StatusCode, r.Body)
		}
		// The same name again gets a derived slug with a suffix.
		var again LinkJSON
		if r := linkCall(t, h, "POST /partners/{id}/links", "ann", false, me, `{"name":"Spring newsletter"}`, nil, "", &again); r.StatusCode != 201 || !strings.HasPrefix(again.Slug, "spring-newsletter-") {
			t.Fatalf("derived slug taken: %d %s", r.StatusCode, r.Body)
		}

		refusals := []struct {
			name, body string
			status     int
		}{
			{"no name", `{"to":"/x"}`, 400},
			{"other host", `{"name":"x","to":"https://evil.example.net/"}`, 400},
			{"scheme-relative", `{"name":"x","to":"//evil.example.net/"}`, 400},
			{"bad sid", `{"name":"x","sid":"a b"}`, 400},
			{"bad slug", `{"name":"x","slug":"a/b"}`, 400},
			{"taken slug", `{"name":"x","slug":"yt"}`, 409},
		}
		for _, tt := range refusals {
			if r := linkCall(t, h, "POST /partners/{id}/links", "ann", false, me, tt.body, nil, "", nil); r.StatusCode != tt.status {
				t.Errorf("%s: %d %s, want %d", tt.name, r.StatusCode, r.Body, tt.status)
			}
		}
		// Another partner may not create links for ann; an admin may.
		enroll(t, h, "bob", "bob@example.com", "acme-bob")
		if r := linkCall(t, h, "POST /partners/{id}/links", "bob", false, map[string]string{"id": ann}, `{"name":"x"}`, nil, "", nil); r.StatusCode != 403 {
			t.Errorf("another partner: %d, want 403", r.StatusCode)
		}
		if r := linkCall(t, h, "POST /partners/{id}/links", "root", true, map[string]string{"id": ann}, `{"name":"By admin"}`, nil, "", nil); r.StatusCode != 201 {
			t.Errorf("admin for ann: %d %s", r.StatusCode, r.Body)
		}

		var list linkList
		if r := linkCall(t, h, "GET /partners/{id}/links", "ann", false, me, "", map[string]string{"limit": "2"}, "", &list); r.StatusCode != 200 {
			t.Fatalf("list: %d %s", r.StatusCode, r.Body)
		}
		if len(list.Links) != 2 || list.Links[0].Name != "By admin" || list.NextCursor == "" || list.Default.URL != "https://go.example.com/r/acme-ann" || list.Default.Stats == nil {
			t.Errorf("first page: %+v", list)
		}
		var rest linkList
		linkCall(t, h, "GET /partners/{id}/links", "ann", false, me, "", map[string]string{"limit": "2", "cursor": list.NextCursor}, "", &rest)
		if len(rest.Links) != 2 || rest.Links[1].LinkID != spring.LinkID || rest.NextCursor != "" {
			t.Errorf("second page: %+v", rest)
		}

		// Archive, then restore; an unknown link is 404.
		link := map[string]string{"id": "me", "link_id": spring.LinkID}
		var patched LinkJSON
		if r := linkCall(t, h, "PATCH /partners/{id}/links/{link_id}", "ann", false, link, `{"archived":true}`, nil, "", &patched); r.StatusCode != 200 || !patched.Archived {
			t.Errorf("archive: %d %s", r.StatusCode, r.Body)
		}
		if r := linkCall(t, h, "PATCH /partners/{id}/links/{link_id}", "ann", false, link, `{"archived":false,"name":"Spring"}`, nil, "", &patched); r.StatusCode != 200 || patched.Archived || patched.Name != "Spring" {
			t.Errorf("restore: %d %s", r.StatusCode, r.Body)
		}
		if r := linkCall(t, h, "PATCH /partners/{id}/links/{link_id}", "ann", false, map[string]string{"id": "me", "link_id": "ln_2222222222"}, `{"archived":true}`, nil, "", nil); r.StatusCode != 404 {
			t.Errorf("unknown link: %d", r.StatusCode)
		}

		var days struct {
			LinkID string    `json:"link_id"`
			Days   []LinkDay `json:"days"`
		}
		if r := linkCall(t, h, "GET /partners/{id}/links/{link_id}/activity", "ann", false, map[string]string{"id": "me", "link_id": "default"}, "", nil, "", &days); r.StatusCode != 200 || len(days.Days) != 30 {
			t.Errorf("default link activity: %d %s", r.StatusCode, r.Body)
		}

		csvResp := linkCall(t, h, "GET /partners/{id}/links", "ann", false, me, "", map[string]string{"from": testNow.Format("2006-01-02"), "to": testNow.Format("2006-01-02")}, "text/csv", nil)
		lines := strings.Split(strings.TrimSpace(csvResp.Body), "\n")
		if csvResp.StatusCode != 200 || lines[0] != "date,link_id,name,url,sid,archived,clicks,unique_clicks,signups,customers" || len(lines) != 6 {
			t.Errorf("CSV: %d\n%s", csvResp.StatusCode, csvResp.Body)
		}
	})
}

// TestLinkLimit shows the active-link limit refuses the link past it and
// counts archived links out of it.
func TestLinkLimit(t *testing.T) {
	b := dynamotest.Embedded(t)
	st := dynamo.New(b.Client, b.Table)
	h := linksHandler(t, st)
	enroll(t, h, "ann", "ann@example.com", "acme-ann")
	me := map[string]string{"id": "me"}
	var first LinkJSON
	for i := range referral.MaxActiveLinks {
		var l LinkJSON
		if r := linkCall(t, h, "POST /partners/{id}/links", "ann", false, me, `{"name":"Link"}`, nil, "", &l); r.StatusCode != 201 {
			t.Fatalf("link %d: %d %s", i, r.StatusCode, r.Body)
		}
		if i == 0 {
			first = l
		}
	}
	if r := linkCall(t, h, "POST /partners/{id}/links", "ann", false, me, `{"name":"One too many"}`, nil, "", nil); r.StatusCode != 409 {
		t.Fatalf("link past the limit: %d %s", r.StatusCode, r.Body)
	}
	linkCall(t, h, "PATCH /partners/{id}/links/{link_id}", "ann", false, map[string]string{"id": "me", "link_id": first.LinkID}, `{"archived":true}`, nil, "", nil)
	if r := linkCall(t, h, "POST /partners/{id}/links", "ann", false, me, `{"name":"Now fits"}`, nil, "", nil); r.StatusCode != 201 {
		t.Errorf("after archiving one: %d %s", r.StatusCode, r.Body)
	}
	if r := linkCall(t, h, "PATCH /partners/{id}/links/{link_id}", "ann", false, map[string]string{"id": "me", "link_id": first.LinkID}, `{"archived":false}`, nil, "", nil); r.StatusCode != 409 {
		t.Errorf("restoring past the limit: %d %s", r.StatusCode, r.Body)
	}
}
