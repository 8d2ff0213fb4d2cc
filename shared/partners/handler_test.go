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
		{"patch as partner", request{sub: "u2", route: "PATCH /partners/{id}", id: "pt_x", body: `{"status":"suspended"}`}, "forbidden", 403},
		{"patch bad status", request{sub: "a", admin: true, route: "PATCH /partners/{id}", id: "pt_x", body: `{"status":"gone"}`}, "invalid_request", 400},
		{"patch unknown", request{sub: "a", admin: true, route: "PATCH /partners/{id}", id: "pt_x", body: `{"status":"active"}`}, "not_found", 404},
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
}
