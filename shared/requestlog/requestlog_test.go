package requestlog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/httpapi"
	"partnerkit/shared/httpapi/apitest"
)

func lines(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		if len(l) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("log line %s: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func TestWrapLogsOneLinePerRequest(t *testing.T) {
	answer := func(resp events.APIGatewayV2HTTPResponse) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			return resp, nil
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		name    string
		handler any
		route   string
		params  map[string]string
		want    map[string]any
	}{
		{
			name:    "created",
			handler: answer(httpapi.JSON(201, map[string]string{"status": "ok"})),
			route:   "POST /partners/{id}/invites", params: map[string]string{"id": "pt_123"},
			want: map[string]any{
				"msg": "request", "level": "INFO", "method": "POST", "route": "/partners/{id}/invites",
				"status": 201.0, "request_id": "LV7gXhoePHcEJQw=", "partner_id": "pt_123",
			},
		},
		{
			name:    "refused",
			handler: answer(httpapi.ErrorResponse(context.Background(), log, httpapi.Errorf(httpapi.CodeForbidden, "No."))),
			route:   "POST /partners/{id}/invites", params: map[string]string{"id": "me"},
			want: map[string]any{
				"level": "INFO", "method": "POST", "route": "/partners/{id}/invites",
				"status": 403.0, "request_id": "LV7gXhoePHcEJQw=", "error_code": "forbidden",
			},
		},
		{
			name:    "internal",
			handler: answer(httpapi.ErrorResponse(context.Background(), log, errors.New("boom"))),
			route:   "GET /payouts",
			want: map[string]any{
				"level": "ERROR", "method": "GET", "route": "/payouts",
				"status": 500.0, "request_id": "LV7gXhoePHcEJQw=", "error_code": "internal",
			},
		},
		{
			name: "function error",
			handler: func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				return events.APIGatewayV2HTTPResponse{}, errors.New("panic-ish")
			},
			route: "GET /payouts",
			want: map[string]any{
				"level": "ERROR", "status": 500.0, "error_code": "internal",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := apitest.Load(t, "testdata/apigw-v2-invite.json")
			apitest.SetRoute(ev, tt.route, tt.params)
			var buf bytes.Buffer
			h := Wrap(lambda.NewHandler(tt.handler), slog.New(slog.NewJSONHandler(&buf, nil)))
			out, err := h.Invoke(context.Background(), apitest.Encode(t, ev))
			got := lines(t, buf.Bytes())
			if len(got) != 1 {
				t.Fatalf("logged %d lines, want 1: %s", len(got), buf.Bytes())
			}
			for k, v := range tt.want {
				if got[0][k] != v {
					t.Errorf("%s = %v, want %v", k, got[0][k], v)
				}
			}
			if _, ok := got[0]["latency_ms"].(float64); !ok {
				t.Errorf("latency_ms = %v, want a number", got[0]["latency_ms"])
			}
			if _, ok := tt.want["partner_id"]; !ok && got[0]["partner_id"] != nil {
				t.Errorf("partner_id = %v, want none", got[0]["partner_id"])
			}
			if err != nil {
				return
			}
			var r apitest.Response
			if err := json.Unmarshal(out, &r); err != nil {
				t.Fatalf("response %s: %v", out, err)
			}
			r.CheckHeaders(t, map[string]string{Header: "LV7gXhoePHcEJQw=", "Content-Type": "application/json"})
		})
	}
}

// TestWrapLogsNoSecrets sends a request full of what must never reach a
// log (an unsubscribe token in the path, a bearer token, an email in the
// claims and the body, the caller's IP) and checks the line has none.
func TestWrapLogsNoSecrets(t *testing.T) {
	tests := []struct {
		name, event, route string
		params             map[string]string
	}{
		{"invite", "testdata/apigw-v2-invite.json", "POST /partners/{id}/invites", map[string]string{"id": "me"}},
		{"unsubscribe", "testdata/apigw-v2-unsubscribe-post.json", "POST /u/{token}", map[string]string{"token": "k1.SECRET-TOKEN"}},
	}
	secrets := []string{"SECRET-TOKEN", "eyJhbGci", "Jane@Example.com", "jane@example.com", "bob@example.com", "203.0.113.9", "66.249.84.1", "user-123", "curl"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := apitest.Load(t, tt.event)
			apitest.SetRoute(ev, tt.route, tt.params)
			var buf bytes.Buffer
			h := Wrap(lambda.NewHandler(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				return httpapi.JSON(200, map[string]string{"email": "jane@example.com"}), nil
			}), slog.New(slog.NewJSONHandler(&buf, nil)))
			apitest.Invoke(t, h, apitest.Encode(t, ev))
			for _, s := range secrets {
				if strings.Contains(strings.ToLower(buf.String()), strings.ToLower(s)) {
					t.Errorf("log %s contains %q", buf.String(), s)
				}
			}
		})
	}
}

// TestWrapPassesOtherEvents checks that an event that is not an HTTP API
// request, like the monthly run's, is neither logged nor changed.
func TestWrapPassesOtherEvents(t *testing.T) {
	var buf bytes.Buffer
	h := Wrap(lambda.NewHandler(func(context.Context, map[string]any) (map[string]int, error) {
		return map[string]int{"closed": 3}, nil
	}), slog.New(slog.NewJSONHandler(&buf, nil)))
	out, err := h.Invoke(context.Background(), []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(bytes.TrimSpace(out)), `{"closed":3}`; got != want {
		t.Errorf("answer = %s, want %s", got, want)
	}
	if buf.Len() != 0 {
		t.Errorf("logged %s, want nothing", buf.Bytes())
	}
}

func TestWithHeader(t *testing.T) {
	tests := []struct {
		out, id, want string
	}{
		{`{"statusCode":200,"headers":{"A":"b"},"body":""}`, "r1", `{"statusCode":200,"headers":{"X-Request-Id":"r1","A":"b"},"body":""}`},
		{`{"statusCode":200,"headers":{},"body":""}`, "r1", `{"statusCode":200,"headers":{"X-Request-Id":"r1"},"body":""}`},
		{`{"statusCode":200,"headers":null}`, "r1", `{"statusCode":200,"headers":{"X-Request-Id":"r1"}}`},
		{`{"statusCode":302,"cookies":["a=\"}b"]}`, "r1", `{"headers":{"X-Request-Id":"r1"},"statusCode":302,"cookies":["a=\"}b"]}`},
		{`{}`, "r1", `{"headers":{"X-Request-Id":"r1"}}`},
		{`"just a body"`, "r1", `"just a body"`},
		{`{"statusCode":200}`, `bad"id`, `{"statusCode":200}`},
		{`{"statusCode":200}`, "", `{"statusCode":200}`},
	}
	for _, tt := range tests {
		got := string(withHeader([]byte(tt.out), tt.id))
		if got != tt.want {
			t.Errorf("withHeader(%s, %q) = %s, want %s", tt.out, tt.id, got, tt.want)
		}
		if json.Valid([]byte(tt.want)) && !json.Valid([]byte(got)) {
			t.Errorf("withHeader(%s) is not JSON", tt.out)
		}
	}
}

func TestMember(t *testing.T) {
	obj := []byte(` { "a" : {"x":[1,{"y":"}"}]}, "b":"q\"uote", "c": 12 ,"d":true}`)
	tests := []struct {
		keys []string
		want string
	}{
		{[]string{"a", "x"}, `[1,{"y":"}"}]`},
		{[]string{"b"}, `"q\"uote"`},
		{[]string{"c"}, `12`},
		{[]string{"d"}, `true`},
		{[]string{"e"}, ``},
		{[]string{"c", "x"}, ``},
	}
	for _, tt := range tests {
		if got := string(path(obj, tt.keys...)); got != tt.want {
			t.Errorf("path(%v) = %s, want %s", tt.keys, got, tt.want)
		}
	}
	if got, want := text(path(obj, "b")), `q"uote`; got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
	for _, bad := range []string{``, `[`, `{"a"`, `{"a":`, `{"a":"x`, `{"a":1 "b":2}`} {
		if _, _, _, ok := member([]byte(bad), "b"); ok {
			t.Errorf("member(%s) found b", bad)
		}
	}
}

// BenchmarkWrap measures what the wrapper adds to a request: reading the
// event, the log line (to a discarding JSON handler) and the header.
func BenchmarkWrap(b *testing.B) {
	ev := apitest.Load(b, "testdata/apigw-v2-invite.json")
	payload := apitest.Encode(b, ev)
	out := []byte(`{"statusCode":302,"headers":{"Location":"https://www.example.com/","Cache-Control":"no-store"}}`)
	next := lambdaFunc(func(context.Context, []byte) ([]byte, error) { return out, nil })
	h := Wrap(next, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Invoke(ctx, payload); err != nil {
			b.Fatal(err)
		}
	}
}

type lambdaFunc func(context.Context, []byte) ([]byte, error)

func (f lambdaFunc) Invoke(ctx context.Context, p []byte) ([]byte, error) { return f(ctx, p) }
