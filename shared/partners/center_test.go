package partners

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/attribution"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/httpapi/apitest"
	"partnerkit/shared/payments"
)

// get is a request with query parameters: r's route, claims and path id.
func get(t *testing.T, h lambda.Handler, r request, query map[string]string, into any) apitest.Response {
	t.Helper()
	ev := apitest.Load(t, "testdata/apigw-v2-enroll.json")
	param := "id"
	if r.customerRoute {
		param = "customer_id"
	}
	params := map[string]string{}
	if r.id != "" {
		params[param] = r.id
	}
	apitest.SetRoute(ev, r.route, params)
	apitest.SetBody(ev, r.body, false)
	apitest.SetClaims(ev, apitest.Claims{Sub: r.sub, Email: r.email, Admin: r.admin})
	q := map[string]any{}
	for k, v := range query {
		q[k] = v
	}
	ev["queryStringParameters"] = q
	resp := apitest.Invoke(t, h, apitest.Encode(t, ev))
	if into != nil {
		resp.DecodeBody(t, into)
	}
	return resp
}

// clock is a test's time: each reading a millisecond later, so
// enrollments have distinct times and "newest first" is well defined.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

// testNow is a fixed day well inside the ranges the store keeps.
var testNow = time.Now().UTC().Truncate(24 * time.Hour).Add(12 * time.Hour)

func centerHandler(t *testing.T, st *dynamo.Store) (lambda.Handler, *clock) {
	c := &clock{t: testNow}
	h := &Handler{Store: st, Money: st, BaseURL: "https://go.example.com", Now: c.now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return lambda.NewHandler(h.Handle), c
}

func enroll(t *testing.T, h lambda.Handler, sub, email, code string) string {
	t.Helper()
	var got enrolled
	if r := call(t, h, request{sub: sub, email: email, body: `{"name":"` + sub + `","code":"` + code + `"}`}, &got); r.StatusCode != 201 {
		t.Fatalf("enroll %s: %d %s", sub, r.StatusCode, r.Body)
	}
	return got.PartnerID
}

// attribute records a signup of customerID won by partnerID's click.
func attribute(t testing.TB, st *dynamo.Store, customerID, partnerID, email string, created, now time.Time) {
	t.Helper()
	s := attribution.Signup{CustomerID: customerID, Email: email, CreatedAt: created}
	d := attribution.Decide(s, []attribution.Touch{{Source: attribution.SourceClick, PartnerID: partnerID, At: created.Add(-time.Hour)}}, 90*24*time.Hour)
	resp := dynamo.WebhookResponse{Endpoint: "signup", ID: "msg_" + customerID, Status: 200, Body: "{}"}
	if _, _, _, err := st.SaveAttribution(context.Background(), d, s, "hash-"+customerID, resp, now); err != nil {
		t.Fatal(err)
	}
}

type listAnswer struct {
	Partners []PartnerSummary `json:"partners"`
	Next     string           `json:"next_cursor"`
}

func TestListPartners(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		st := dynamo.New(b.Client, b.Table)
		h, _ := centerHandler(t, st)
		ann := enroll(t, h, "ann", "Ann@Example.com", "acme-ann")
		bob := enroll(t, h, "bob", "bob@example.com", "acme-bob")
		cy := enroll(t, h, "cy", "cy@example.org", "cyber")
		if r := call(t, h, request{route: "PATCH /partners/{id}", id: bob, sub: "admin", admin: true, body: `{"status":"suspended"}`}, nil); r.StatusCode != 200 {
			t.Fatalf("suspend: %d %s", r.StatusCode, r.Body)
		}
		attribute(t, st, "cus_1", ann, "x@example.net", testNow, testNow)

		admin := request{route: "GET /partners", sub: "admin", admin: true}
		tests := []struct {
			name  string
			query map[string]string
			want  []string
		}{
			{"all, newest first", nil, []string{cy, bob, ann}},
			{"suspended", map[string]string{"status": "suspended"}, []string{bob}},
			{"active", map[string]string{"status": "active"}, []string{cy, ann}},
			{"code prefix, in code order", map[string]string{"q": "ACME"}, []string{ann, bob}},
			{"code prefix and status", map[string]string{"q": "acme", "status": "active"}, []string{ann}},
			{"email, any case", map[string]string{"q": " ANN@example.com"}, []string{ann}},
			{"email of nobody", map[string]string{"q": "zed@example.com"}, nil},
			{"unknown prefix", map[string]string{"q": "zz"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var got listAnswer
				if r := get(t, h, admin, tt.query, &got); r.StatusCode != 200 {
					t.Fatalf("status %d %s", r.StatusCode, r.Body)
				}
				var ids []string
				for _, p := range got.Partners {
					ids = append(ids, p.PartnerID)
				}
				if fmt.Sprint(ids) != fmt.Sprint(tt.want) || got.Next != "" {
					t.Errorf("partners = %v next %q, want %v and no next", ids, got.Next, tt.want)
				}
			})
		}

		var all listAnswer
		get(t, h, admin, nil, &all)
		if p := all.Partners[2]; p.Code != "acme-ann" || p.Name != "ann" || p.Email != "ann@example.com" || p.Status != "active" ||
			p.CreatedAt == "" || p.Stats.Signups != 1 || p.Stats.Pending == nil {
			t.Errorf("ann listed as %+v", p)
		}

		// Pages of two, then one, the cursor only while more remain.
		var first, second listAnswer
		get(t, h, admin, map[string]string{"limit": "2"}, &first)
		if len(first.Partners) != 2 || first.Next == "" {
			t.Fatalf("first page %+v", first)
		}
		get(t, h, admin, map[string]string{"limit": "2", "cursor": first.Next}, &second)
		if len(second.Partners) != 1 || second.Partners[0].PartnerID != ann || second.Next != "" {
			t.Errorf("second page %+v", second)
		}
		var exact listAnswer
		if get(t, h, admin, map[string]string{"limit": "3"}, &exact); len(exact.Partners) != 3 || exact.Next != "" {
			t.Errorf("a page holding the rest = %d partners, next %q; want 3 and no next", len(exact.Partners), exact.Next)
		}

		bad := []struct {
			name  string
			query map[string]string
		}{
			{"odd characters", map[string]string{"q": "ac me"}},
			{"punctuation", map[string]string{"q": "acme!"}},
			{"malformed email", map[string]string{"q": "ann@"}},
			{"long prefix", map[string]string{"q": strings.Repeat("a", 33)}},
			{"unknown status", map[string]string{"status": "paused"}},
			{"limit 0", map[string]string{"limit": "0"}},
			{"limit 1001", map[string]string{"limit": "1001"}},
			{"limit not a number", map[string]string{"limit": "ten"}},
			{"garbage cursor", map[string]string{"cursor": "%%%"}},
			{"cursor of another list", map[string]string{"cursor": first.Next, "status": "active"}},
			{"cursor not JSON", map[string]string{"cursor": "bm90LWpzb24"}},
		}
		for _, tt := range bad {
			t.Run(tt.name, func(t *testing.T) {
				var e apiError
				if r := get(t, h, admin, tt.query, &e); r.StatusCode != 400 || e.Error.Code != "invalid_request" {
					t.Errorf("status %d %+v, want 400 invalid_request", r.StatusCode, e)
				}
			})
		}
		var e apiError
		if r := get(t, h, request{route: "GET /partners", sub: "ann"}, nil, &e); r.StatusCode != 403 || e.Error.Code != "forbidden" {
			t.Errorf("as a partner: %d %+v, want 403", r.StatusCode, e)
		}
	})
}

type activityAnswer struct {
	Days []Day `json:"days"`
}

func TestActivity(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		st := dynamo.New(b.Client, b.Table)
		h, _ := centerHandler(t, st)
		ann := enroll(t, h, "ann", "ann@example.com", "ann-code")
		enroll(t, h, "bob", "bob@example.com", "bob-code")
		ctx := context.Background()
		day := func(ago int) time.Time { return testNow.AddDate(0, 0, -ago) }
		// Oldest first, as time passes: each write clears what fell out.
		for _, c := range []struct{ ago, n int }{{100, 5}, {5, 1}, {1, 2}, {0, 3}} {
			for range c.n {
				if err := st.RecordClick(ctx, ann, day(c.ago)); err != nil {
					t.Fatal(err)
				}
			}
		}
		attribute(t, st, "cus_1", ann, "a@example.net", day(1), testNow)
		attribute(t, st, "cus_2", ann, "b@example.net", day(1).Add(time.Hour), testNow)
		attribute(t, st, "cus_old", ann, "c@example.net", day(200), testNow) // counted, on no day

		date := func(ago int) string { return day(ago).Format("2006-01-02") }
		tests := []struct {
			name  string
			query map[string]string
			want  string // the days with counts, then how many days
		}{
			{"default: the last 30 days", nil, fmt.Sprintf("[{%s 1 0} {%s 2 2} {%s 3 0}] 30", date(5), date(1), date(0))},
			{"one day", map[string]string{"from": date(1), "to": date(1)}, fmt.Sprintf("[{%s 2 2}] 1", date(1))},
			{"92 days, past retention read as zero", map[string]string{"from": date(100), "to": date(9)}, "[] 92"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var got activityAnswer
				if r := get(t, h, request{route: "GET /partners/{id}/activity", id: "me", sub: "ann"}, tt.query, &got); r.StatusCode != 200 {
					t.Fatalf("status %d %s", r.StatusCode, r.Body)
				}
				var nonZero []string
				for i, d := range got.Days {
					if i > 0 && d.Date <= got.Days[i-1].Date {
						t.Errorf("days out of order at %s", d.Date)
					}
					if d.Clicks != 0 || d.Signups != 0 {
						nonZero = append(nonZero, fmt.Sprintf("{%s %d %d}", d.Date, d.Clicks, d.Signups))
					}
				}
				if g := fmt.Sprintf("[%s] %d", strings.Join(nonZero, " "), len(got.Days)); g != tt.want {
					t.Errorf("activity = %s, want %s", g, tt.want)
				}
			})
		}
		if r := get(t, h, request{route: "GET /partners/{id}/activity", id: ann, sub: "admin", admin: true}, nil, nil); r.StatusCode != 200 {
			t.Errorf("admin: %d", r.StatusCode)
		}
		var e apiError
		if r := get(t, h, request{route: "GET /partners/{id}/activity", id: ann, sub: "bob"}, nil, &e); r.StatusCode != 403 {
			t.Errorf("another partner: %d %+v, want 403", r.StatusCode, e)
		}
		for _, q := range []map[string]string{
			{"from": date(92), "to": date(0)},
			{"from": date(0), "to": date(1)},
			{"from": "2026-13-01", "to": date(0)},
			{"to": "today"},
		} {
			if r := get(t, h, request{route: "GET /partners/{id}/activity", id: "me", sub: "ann"}, q, &e); r.StatusCode != 400 || e.Error.Code != "invalid_request" {
				t.Errorf("activity %v = %d %+v, want 400", q, r.StatusCode, e)
			}
		}
	})
}

type customersAnswer struct {
	Customers []Customer `json:"customers"`
	Next      string     `json:"next_cursor"`
}

func TestCustomers(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		st := dynamo.New(b.Client, b.Table)
		h, _ := centerHandler(t, st)
		ann := enroll(t, h, "ann", "ann@example.com", "ann-code")
		bob := enroll(t, h, "bob", "bob@example.com", "bob-code")
		for i, email := range []string{"sam@example.com", "tia@shop.example", "uma@example.org"} {
			attribute(t, st, fmt.Sprintf("cus_%d", i), ann, email, testNow.Add(time.Duration(i)*time.Hour), testNow)
		}
		attribute(t, st, "cus_bob", bob, "vic@example.com", testNow, testNow)
		paid := testNow.Add(30 * time.Hour)
		d, err := st.Attribution(context.Background(), "cus_0")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.TouchCustomer(context.Background(), payments.Customer{Decision: d, CreatedAt: testNow}, paid); err != nil {
			t.Fatal(err)
		}

		route := request{route: "GET /partners/{id}/customers", id: "me", sub: "ann"}
		var got customersAnswer
		if r := get(t, h, route, nil, &got); r.StatusCode != 200 {
			t.Fatalf("status %d %s", r.StatusCode, r.Body)
		}
		at := func(h int) string { return testNow.Add(time.Duration(h) * time.Hour).Format(dynamo.TimeFormat) }
		want := []Customer{
			{CustomerID: "cus_2", EmailHint: "u***@example.org", Source: "click", AttributedAt: at(2)},
			{CustomerID: "cus_1", EmailHint: "t***@shop.example", Source: "click", AttributedAt: at(1)},
			{CustomerID: "cus_0", EmailHint: "s***@example.com", Source: "click", AttributedAt: at(0), LastPaidAt: paid.Format(dynamo.TimeFormat)},
		}
		if fmt.Sprint(got.Customers) != fmt.Sprint(want) || got.Next != "" {
			t.Errorf("customers = %+v next %q\nwant %+v", got.Customers, got.Next, want)
		}
		if r := get(t, h, route, nil, nil); strings.Contains(r.Body, "sam@") {
			t.Errorf("a full email reached the partner: %s", r.Body)
		}

		var p1, p2 customersAnswer
		get(t, h, route, map[string]string{"limit": "2"}, &p1)
		get(t, h, route, map[string]string{"limit": "2", "cursor": p1.Next}, &p2)
		if len(p1.Customers) != 2 || p1.Next == "" || len(p2.Customers) != 1 || p2.Customers[0].CustomerID != "cus_0" || p2.Next != "" {
			t.Errorf("pages = %+v then %+v", p1, p2)
		}

		var e apiError
		// Ann's cursor does not page through Bob's customers.
		if r := get(t, h, request{route: route.route, id: bob, sub: "admin", admin: true}, map[string]string{"cursor": p1.Next}, &e); r.StatusCode != 400 {
			t.Errorf("another list's cursor: %d %+v, want 400", r.StatusCode, e)
		}
		if r := get(t, h, request{route: route.route, id: bob, sub: "ann"}, nil, &e); r.StatusCode != 403 {
			t.Errorf("another partner's customers: %d, want 403", r.StatusCode)
		}
		var bobs customersAnswer
		if r := get(t, h, request{route: route.route, id: bob, sub: "admin", admin: true}, nil, &bobs); r.StatusCode != 200 || len(bobs.Customers) != 1 {
			t.Errorf("admin reading bob's customers: %d %+v", r.StatusCode, bobs)
		}
		for _, q := range []map[string]string{{"limit": "-1"}, {"cursor": "eyJwayI6IngifQ"}} {
			if r := get(t, h, route, q, &e); r.StatusCode != 400 || e.Error.Code != "invalid_request" {
				t.Errorf("customers %v = %d %+v, want 400", q, r.StatusCode, e)
			}
		}
	})
}
