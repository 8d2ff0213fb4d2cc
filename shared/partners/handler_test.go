package partners

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/attribution"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/httpapi/apitest"
)

// request is the enrollment fixture with edits: route, path id, body,
// claims. It keeps the shape API Gateway sends.
type request struct {
	route, id, body string
	sub, email      string
	admin, base64   bool
	customerRoute   bool // the path parameter is customer_id, not id
	query           map[string]string
	accept          string
}

func (r request) event(t *testing.T) []byte {
	t.Helper()
	ev := apitest.Load(t, "testdata/apigw-v2-enroll.json")
	if r.route != "" {
		param := "id"
		if r.customerRoute {
			param = "customer_id"
		}
		apitest.SetRoute(ev, r.route, map[string]string{param: r.id})
	}
	if r.query != nil {
		q := url.Values{}
		for k, v := range r.query {
			q.Set(k, v)
		}
		ev["queryStringParameters"], ev["rawQueryString"] = r.query, q.Encode()
	}
	if r.accept != "" {
		ev["headers"].(map[string]any)["accept"] = r.accept
	}
	apitest.SetBody(ev, r.body, r.base64)
	apitest.SetClaims(ev, apitest.Claims{Sub: r.sub, Email: r.email, Admin: r.admin})
	return apitest.Encode(t, ev)
}

func call(t *testing.T, h lambda.Handler, r request, into any) apitest.Response {
	t.Helper()
	resp := apitest.Invoke(t, h, r.event(t))
	resp.CheckHeaders(t, map[string]string{"Content-Type": "application/json"})
	if into != nil {
		resp.DecodeBody(t, into)
	}
	return resp
}

type apiError struct {
	Error struct{ Code, Message string } `json:"error"`
}

func newHandler(t *testing.T, b dynamotest.Backend) lambda.Handler {
	st := dynamo.New(b.Client, b.Table)
	h := &Handler{
		Store: st, Money: st, BaseURL: "https://go.example.com",
		Now: time.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	return lambda.NewHandler(h.Handle)
}

func TestEnrollAndProfile(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		h := newHandler(t, b)
		var got enrolled
		if r := call(t, h, request{body: `{"name":"Jane","code":"Jane-Doe"}`}, &got); r.StatusCode != 201 {
			t.Fatalf("enroll: status %d body %s", r.StatusCode, r.Body)
		}
		want := enrolled{PartnerID: got.PartnerID, Code: "jane-doe", Link: "https://go.example.com/r/jane-doe"}
		if got != want || !strings.HasPrefix(got.PartnerID, "pt_") {
			t.Errorf("enroll = %+v, want %+v", got, want)
		}
		var again enrolled
		if r := call(t, h, request{body: `{}`}, &again); r.StatusCode != 200 || again != got {
			t.Errorf("second enroll = %d %+v, want 200 %+v", r.StatusCode, again, got)
		}

		var prof Profile
		if r := call(t, h, request{route: "GET /partners/{id}", id: "me"}, &prof); r.StatusCode != 200 {
			t.Fatalf("GET me: %d %s", r.StatusCode, r.Body)
		}
		if prof.PartnerID != got.PartnerID || prof.Email != "jane@example.com" || prof.Name != "Jane" || prof.Status != "active" || prof.Stats.Pending == nil {
			t.Errorf("profile = %+v", prof)
		}
		if r := call(t, h, request{route: "GET /partners/{id}", id: got.PartnerID}, nil); r.StatusCode != 200 {
			t.Errorf("GET own id: %d", r.StatusCode)
		}

		// Another user: generated code, no access to Jane.
		var other enrolled
		call(t, h, request{sub: "user-456", email: "bob@example.com", body: ""}, &other)
		if len(other.Code) != 8 {
			t.Errorf("generated code %q, want 8 characters", other.Code)
		}
		var e apiError
		if r := call(t, h, request{route: "GET /partners/{id}", id: got.PartnerID, sub: "user-456"}, &e); r.StatusCode != 403 || e.Error.Code != "forbidden" {
			t.Errorf("GET another partner: %d %+v, want 403 forbidden", r.StatusCode, e)
		}
		if r := call(t, h, request{route: "GET /partners/{id}", id: got.PartnerID, sub: "admin-1", admin: true}, nil); r.StatusCode != 200 {
			t.Errorf("admin GET: %d", r.StatusCode)
		}
		if r := call(t, h, request{route: "GET /partners/{id}", id: "me", sub: "nobody"}, &e); r.StatusCode != 404 || e.Error.Code != "not_found" {
			t.Errorf("GET me before enrolling: %d %+v", r.StatusCode, e)
		}
	})
}

func TestEnrollRefusals(t *testing.T) {
	b := dynamotest.Embedded(t)
	h := newHandler(t, b)
	call(t, h, request{sub: "owner", body: `{"code":"taken"}`}, nil)
	tests := []struct {
		name string
		req  request
		code string
		want int
	}{
		{"taken", request{sub: "u2", body: `{"code":"TAKEN"}`}, "conflict", 409},
		{"reserved", request{sub: "u2", body: `{"code":"Admin"}`}, "conflict", 409},
		{"bad characters", request{sub: "u2", body: `{"code":"a_b"}`}, "invalid_request", 400},
		{"too short", request{sub: "u2", body: `{"code":"ab"}`}, "invalid_request", 400},
		{"unknown field", request{sub: "u2", body: `{"nmae":"x"}`}, "invalid_request", 400},
		{"malformed", request{sub: "u2", body: `{"code":`}, "invalid_request", 400},
		{"wrong type", request{sub: "u2", body: `{"code":5}`}, "invalid_request", 400},
		{"oversize", request{sub: "u2", body: `{"name":"` + strings.Repeat("x", 70000) + `"}`}, "payload_too_large", 413},
		{"oversize base64", request{sub: "u2", base64: true, body: strings.Repeat("x", 70000)}, "payload_too_large", 413},
		{"name too long", request{sub: "u2", body: `{"name":"` + strings.Repeat("x", 101) + `"}`}, "invalid_request", 400},
		{"name of 101 characters", request{sub: "u2", body: `{"name":"` + strings.Repeat("é", 101) + `"}`}, "invalid_request", 400},
		{"name with a line break", request{sub: "u2", body: `{"name":"Jane\nDoe"}`}, "invalid_request", 400},
		{"name with a bidi override", request{sub: "u2", body: `{"name":"Jane \u202eeoD"}`}, "invalid_request", 400},
		{"name with a bidi isolate", request{sub: "u2", body: `{"name":"\u2067Jane\u2069"}`}, "invalid_request", 400},
		{"name with a zero-width space", request{sub: "u2", body: `{"name":"Ja\u200bne"}`}, "invalid_request", 400},
		{"name with a line separator", request{sub: "u2", body: `{"name":"Jane\u2028Doe"}`}, "invalid_request", 400},
		{"patch as partner", request{sub: "u2", route: "PATCH /partners/{id}", id: "pt_x", body: `{"status":"suspended"}`}, "forbidden", 403},
		{"patch bad status", request{sub: "a", admin: true, route: "PATCH /partners/{id}", id: "pt_x", body: `{"status":"gone"}`}, "invalid_request", 400},
		{"patch unknown", request{sub: "a", admin: true, route: "PATCH /partners/{id}", id: "pt_x", body: `{"status":"active"}`}, "not_found", 404},
		{"reference of 201 characters", request{sub: "a", admin: true, route: "POST /payouts/{statement_id}/paid", body: `{"reference":"` + strings.Repeat("é", 201) + `"}`}, "invalid_request", 400},
		{"reference with a bidi override", request{sub: "a", admin: true, route: "POST /payouts/{statement_id}/paid", body: `{"reference":"PAY\u202e1"}`}, "invalid_request", 400},
		{"reference with a line break", request{sub: "a", admin: true, route: "POST /payouts/{statement_id}/paid", body: `{"reference":"PAY\n1"}`}, "invalid_request", 400},
		// 200 characters of 2 bytes pass the limit and reach the lookup.
		{"reference of 200 characters", request{sub: "a", admin: true, route: "POST /payouts/{statement_id}/paid", body: `{"reference":"` + strings.Repeat("é", 200) + `"}`}, "not_found", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e apiError
			r := call(t, h, tt.req, &e)
			if r.StatusCode != tt.want || e.Error.Code != tt.code || e.Error.Message == "" {
				t.Errorf("got %d %+v, want %d %s", r.StatusCode, e, tt.want, tt.code)
			}
		})
	}
	// None of the refused requests enrolled u2.
	var e apiError
	if r := call(t, h, request{sub: "u2", route: "GET /partners/{id}", id: "me"}, &e); r.StatusCode != 404 {
		t.Errorf("u2 was enrolled by a refused request: %d", r.StatusCode)
	}
}

func TestSuspend(t *testing.T) {
	b := dynamotest.Embedded(t)
	h := newHandler(t, b)
	var p enrolled
	call(t, h, request{sub: "u1", body: `{"code":"shady"}`}, &p)
	var prof Profile
	if r := call(t, h, request{sub: "a", admin: true, route: "PATCH /partners/{id}", id: p.PartnerID, body: `{"status":"suspended"}`}, &prof); r.StatusCode != 200 || prof.Status != "suspended" {
		t.Fatalf("suspend: %d %+v", r.StatusCode, prof)
	}
	owner, err := dynamo.New(b.Client, b.Table).CodeOwner(context.Background(), "shady")
	if err != nil || owner.Active {
		t.Errorf("code owner after suspension = %+v, %v; want inactive", owner, err)
	}
}

// TestMeOnEveryRoute: "me" is the caller's own partner on every
// /partners/{id} route, for an enrolled admin too; it never reaches the
// store as an id.
func TestMeOnEveryRoute(t *testing.T) {
	b := dynamotest.Embedded(t)
	h := newHandler(t, b)
	var p enrolled
	call(t, h, request{sub: "boss", admin: true, body: `{"code":"bossy"}`}, &p)
	tests := []struct {
		name string
		req  request
	}{
		{"GET", request{route: "GET /partners/{id}"}},
		{"PATCH", request{route: "PATCH /partners/{id}", body: `{"status":"active"}`}},
		{"commissions", request{route: "GET /partners/{id}/commissions", query: map[string]string{"period": "2026-01"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.sub, tt.req.admin, tt.req.id = "boss", true, "me"
			r := call(t, h, tt.req, nil)
			if got, want := r.StatusCode, 200; got != want {
				t.Errorf("%s me as an enrolled admin: got %d %s, want %d", tt.name, got, r.Body, want)
			}
		})
	}
	var prof Profile
	call(t, h, request{sub: "boss", admin: true, route: "PATCH /partners/{id}", id: "me", body: `{"status":"suspended"}`}, &prof)
	if got, want := prof.PartnerID+" "+prof.Status, p.PartnerID+" suspended"; got != want {
		t.Errorf("PATCH me suspended: got %s, want %s", got, want)
	}
}

func TestAttributionRoute(t *testing.T) {
	b := dynamotest.Embedded(t)
	st := dynamo.New(b.Client, b.Table)
	h := newHandler(t, b)
	created := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	d := attribution.Decide(attribution.Signup{CustomerID: "cus_9", Email: "c@example.com", CreatedAt: created},
		[]attribution.Touch{
			{Source: attribution.SourceCode, PartnerID: "pt_b", At: created},
			{Source: attribution.SourceClick, PartnerID: "pt_a", At: created.Add(-time.Hour)},
		}, 90*24*time.Hour)
	resp := dynamo.WebhookResponse{Endpoint: "signup", ID: "msg_9", Status: 200, Body: "{}"}
	if _, _, _, err := st.SaveAttribution(context.Background(), d, attribution.Signup{CustomerID: "cus_9", CreatedAt: created}, "h", resp, created); err != nil {
		t.Fatal(err)
	}
	route := "GET /customers/{customer_id}/attribution"
	var got map[string]any
	r := call(t, h, request{route: route, id: "cus_9", sub: "admin", admin: true, customerRoute: true}, &got)
	want := `map[attributed:true candidates:[map[outcome:won partner_id:pt_a source:click touched_at:2026-11-20T08:00:00.000Z] map[outcome:later partner_id:pt_b source:code touched_at:2026-11-20T09:00:00.000Z]] customer_id:cus_9 partner_id:pt_a source:click touched_at:2026-11-20T08:00:00.000Z]`
	if r.StatusCode != 200 || fmt.Sprint(got) != want {
		t.Errorf("attribution = %d %v\nwant %s", r.StatusCode, got, want)
	}
	var e apiError
	if r := call(t, h, request{route: route, id: "cus_9", sub: "partner", customerRoute: true}, &e); r.StatusCode != 403 || e.Error.Code != "forbidden" {
		t.Errorf("as a partner: %d %+v, want 403", r.StatusCode, e)
	}
	none := attribution.Decide(attribution.Signup{CustomerID: "cus_0", Email: "z@example.com", CreatedAt: created}, nil, 90*24*time.Hour)
	resp.ID = "msg_0"
	if _, _, _, err := st.SaveAttribution(context.Background(), none, attribution.Signup{CustomerID: "cus_0", CreatedAt: created}, "h0", resp, created); err != nil {
		t.Fatal(err)
	}
	r = call(t, h, request{route: route, id: "cus_0", sub: "admin", admin: true, customerRoute: true}, nil)
	if want := `{"customer_id":"cus_0","attributed":false,"reason":"no_touch","candidates":[]}`; r.StatusCode != 200 || r.Body != want {
		t.Errorf("attribution without touches = %d %s, want %s", r.StatusCode, r.Body, want)
	}
	if r := call(t, h, request{route: route, id: "cus_none", sub: "admin", admin: true, customerRoute: true}, &e); r.StatusCode != 404 || e.Error.Code != "not_found" {
		t.Errorf("unknown customer: %d %+v, want 404", r.StatusCode, e)
	}
	// The path's customer_id follows the webhooks' id rule.
	for _, id := range []string{"cus#9", "cus 9", "cüs_9", strings.Repeat("c", 256)} {
		if r := call(t, h, request{route: route, id: id, sub: "admin", admin: true, customerRoute: true}, &e); r.StatusCode != 400 || e.Error.Code != "invalid_request" {
			t.Errorf("customer_id %q: got %d %+v, want 400 invalid_request", id, r.StatusCode, e)
		}
	}
}

// A store that never answers gives JSON callers a retryable 503 well
// inside the function's timeout, not a hang.
func TestStalledStoreAnswersUnavailable(t *testing.T) {
	h := newHandler(t, dynamotest.Stalled(t))
	start := time.Now()
	var got apiError
	r := call(t, h, request{route: "GET /partners/{id}", id: "me", sub: "u1", email: "u1@example.com"}, &got)
	took := time.Since(start)
	if r.StatusCode != 503 || got.Error.Code != "unavailable" || r.Headers["Retry-After"] == "" {
		t.Errorf("profile on a stalled store = %d %+v (Retry-After %q), want 503 unavailable with Retry-After", r.StatusCode, got, r.Headers["Retry-After"])
	}
	// Lambda's timeout in the template is 10 s; API Gateway gives up at 30 s.
	if took > 5*time.Second {
		t.Errorf("answer took %v, want well inside the function's 10 s timeout", took)
	}
}
