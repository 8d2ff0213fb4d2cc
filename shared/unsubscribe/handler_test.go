package unsubscribe

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/emailaddr"
	"partnerkit/shared/referral"
	"partnerkit/shared/signing"
)

var testNow = time.Date(2026, 11, 24, 10, 15, 30, 0, time.UTC)

func testTokens(t testing.TB, keys string) *Tokens {
	t.Helper()
	kr, err := signing.ParseKeyring(keys)
	if err != nil {
		t.Fatal(err)
	}
	return &Tokens{Keys: kr}
}

// event is the one-click POST fixture for token, with method and body
// (raw, sent base64 as API Gateway does for forms) changed.
func event(t testing.TB, method, token, body string) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/apigw-v2-unsubscribe-post.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	ctx := ev["requestContext"].(map[string]any)
	ev["routeKey"], ctx["routeKey"] = method+" /u/{token}", method+" /u/{token}"
	ctx["http"].(map[string]any)["method"] = method
	ev["rawPath"], ctx["http"].(map[string]any)["path"] = "/u/"+token, "/u/"+token
	ev["pathParameters"] = map[string]any{"token": token}
	if body != "-" {
		ev["body"] = base64.StdEncoding.EncodeToString([]byte(body))
	}
	if method == "GET" {
		delete(ev, "body")
		ev["isBase64Encoded"] = false
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type response struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

func invoke(t *testing.T, h *Handler, payload []byte) response {
	t.Helper()
	out, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), payload)
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var r response
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
	} {
		if got := r.Headers[name]; got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if !strings.HasPrefix(r.Body, "<!doctype html>") {
		t.Errorf("body is not an HTML page: %q", r.Body)
	}
	return r
}

func TestUnsubscribe(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		tokens := testTokens(t, "k1:0123456789abcdef-unsub")
		h := &Handler{Store: st, Tokens: tokens, Now: func() time.Time { return testNow }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		hash := emailaddr.NewHasher("h").Hash("bob@example.com")
		token := tokens.Seal(hash)

		page := invoke(t, h, event(t, "GET", token, "-"))
		if page.StatusCode != 200 || !strings.Contains(page.Body, `<form method="post">`) || !strings.Contains(page.Body, `id="unsubscribe"`) {
			t.Errorf("GET: %d %s; want the confirmation page with a POST form", page.StatusCode, page.Body)
		}
		if ok, _ := st.Suppressed(ctx, hash); ok {
			t.Fatal("showing the page unsubscribed the address")
		}
		for _, body := range []string{"List-Unsubscribe=One-Click", "", "List-Unsubscribe=One-Click"} {
			r := invoke(t, h, event(t, "POST", token, body))
			if r.StatusCode != 200 || !strings.Contains(r.Body, "will not receive any more invitations") {
				t.Errorf("POST %q: %d %s; want 200 and the done page", body, r.StatusCode, r.Body)
			}
		}
		if ok, err := st.Suppressed(ctx, hash); err != nil || !ok {
			t.Errorf("Suppressed after POST = %v, %v; want true", ok, err)
		}
	})
}

func TestBadTokens(t *testing.T) {
	b := dynamotest.Embedded(t)
	st := dynamo.New(b.Client, b.Table)
	tokens := testTokens(t, "k1:0123456789abcdef-unsub")
	h := &Handler{Store: st, Tokens: tokens, Now: func() time.Time { return testNow }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	hash := emailaddr.NewHasher("h").Hash("bob@example.com")
	good := tokens.Seal(hash)
	other := testTokens(t, "k1:fedcba9876543210-other")
	invites := &referral.InviteTokens{Keys: tokens.Keys}
	bad := map[string]string{
		"forged key":    other.Seal(hash),
		"tampered":      strings.Replace(good, hash[:4], "0000", 1),
		"invite token":  invites.Seal(referral.Invite{PartnerID: "pt_a", Code: "abcd", EmailHash: hash}),
		"not a hash":    tokens.Keys.Seal(purpose, "bob@example.com"),
		"short hash":    tokens.Seal(hash[:31]),
		"empty":         "",
		"garbage":       "k1.x.y",
		"oversize":      good + strings.Repeat("A", 300),
		"unknown kid":   "k9" + strings.TrimPrefix(good, "k1"),
		"truncated sig": good[:len(good)-1],
	}
	for name, token := range bad {
		t.Run(name, func(t *testing.T) {
			for _, method := range []string{"GET", "POST"} {
				r := invoke(t, h, event(t, method, token, "List-Unsubscribe=One-Click"))
				if r.StatusCode != 404 || !strings.Contains(r.Body, "not valid") {
					t.Errorf("%s: %d %s; want the 404 page", method, r.StatusCode, r.Body)
				}
			}
		})
	}
	if ok, _ := st.Suppressed(context.Background(), hash); ok {
		t.Error("a bad token unsubscribed the address")
	}
	r := invoke(t, h, event(t, "POST", good, strings.Repeat("x", 70000)))
	if r.StatusCode != 413 {
		t.Errorf("oversize POST: %d, want 413", r.StatusCode)
	}
	if ok, _ := st.Suppressed(context.Background(), hash); ok {
		t.Error("an oversize POST unsubscribed the address")
	}
}
