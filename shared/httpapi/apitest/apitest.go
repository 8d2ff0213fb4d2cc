// Package apitest drives HTTP API (API Gateway v2) Lambda handlers in
// tests. It invokes a handler through the Lambda runtime's own decoding and
// encoding, so a test checks what API Gateway would receive, and it edits
// recorded API Gateway events instead of building them by hand, so every
// request keeps the shape API Gateway sends.
package apitest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
)

// Response is an HTTP API v2 response as it leaves the Lambda runtime.
type Response struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Cookies    []string          `json:"cookies"`
	Body       string            `json:"body"`
}

// Invoke runs handler (a handler function or a lambda.Handler) on payload
// the way the Lambda runtime does and decodes its answer. An error from the
// handler stops the test: an HTTP API handler must answer every request,
// failures included, with a response.
func Invoke(t testing.TB, handler any, payload []byte) Response {
	t.Helper()
	out, err := lambda.NewHandler(handler).Invoke(context.Background(), payload)
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var r Response
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("response %s: %v", out, err)
	}
	return r
}

// CheckHeaders reports an error for every header in want that r lacks or
// carries with another value. The test goes on, so that one run shows all
// the wrong headers and the checks that follow.
func (r Response) CheckHeaders(t testing.TB, want map[string]string) {
	t.Helper()
	for name, value := range want {
		if got := r.Headers[name]; got != value {
			t.Errorf("%s = %q, want %q", name, got, value)
		}
	}
}

// DecodeBody decodes r's JSON body into v. A body that does not decode
// stops the test, as every check on v would fail for the same reason.
func (r Response) DecodeBody(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("body %s: %v", r.Body, err)
	}
}

// Load reads the API Gateway event recorded at path and decodes it for the
// Set functions to edit.
func Load(t testing.TB, path string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return ev
}

// Encode encodes an edited event into the payload Invoke takes.
func Encode(t testing.TB, ev map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// SetRoute makes ev a request on route ("METHOD /path/{name}"), with params
// giving the path parameters. It sets every field API Gateway derives from
// the route, so a handler reading the route key, the method or the path
// parameters sees one consistent request.
func SetRoute(ev map[string]any, route string, params map[string]string) {
	method, path, _ := strings.Cut(route, " ")
	values := make(map[string]any, len(params))
	var pairs []string
	for name, value := range params {
		values[name] = value
		pairs = append(pairs, "{"+name+"}", value)
	}
	if len(pairs) > 0 {
		path = strings.NewReplacer(pairs...).Replace(path)
	}
	ctx := object(ev, "requestContext")
	ev["routeKey"], ctx["routeKey"] = route, route
	ev["rawPath"] = path
	http := object(ctx, "http")
	http["method"], http["path"] = method, path
	ev["pathParameters"] = values
}

// SetBody replaces ev's body. With encode set the body is sent base64
// encoded, as API Gateway passes form and binary bodies, so handlers are
// tested on the decoding they must do.
func SetBody(ev map[string]any, body string, encode bool) {
	ev["body"], ev["isBase64Encoded"] = body, encode
	if encode {
		ev["body"] = base64.StdEncoding.EncodeToString([]byte(body))
	}
}

// Claims are the caller's JWT claims that tests change. Empty fields keep
// the recorded event's, so a test names only what differs from it.
type Claims struct {
	// Sub is the caller's subject, the user id.
	Sub string
	// Email is the caller's email address.
	Email string
	// Admin grants the caller the admin scope.
	Admin bool
}

// adminScope is the scope claim of an admin, space-separated as the JWT
// authorizer passes it. It is written out rather than built from the
// package httpapi's constant so that tests pin what the authorizer sends.
const adminScope = "partners partners:admin"

// SetClaims sets the caller's JWT claims in ev's authorizer context.
func SetClaims(ev map[string]any, c Claims) {
	claims := object(ev, "requestContext", "authorizer", "jwt", "claims")
	if c.Sub != "" {
		claims["sub"] = c.Sub
	}
	if c.Email != "" {
		claims["email"] = c.Email
	}
	if c.Admin {
		claims["scope"] = adminScope
	}
}

// object returns the JSON object under keys. It panics if the event lacks
// one: that is a fixture of the wrong kind, a bug in the test itself.
func object(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m = m[k].(map[string]any)
	}
	return m
}
