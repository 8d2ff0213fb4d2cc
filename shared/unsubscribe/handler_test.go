package unsubscribe

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/emailaddr"
	"partnerkit/shared/httpapi/apitest"
	"partnerkit/shared/partner"
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
	ev := apitest.Load(t, "testdata/apigw-v2-unsubscribe-post.json")
	apitest.SetRoute(ev, method+" /u/{token}", map[string]string{"token": token})
	switch {
	case method == "GET":
		// The link a reader follows carries no body.
		delete(ev, "body")
		ev["isBase64Encoded"] = false
	case body != "-":
		apitest.SetBody(ev, body, true)
	}
	return apitest.Encode(t, ev)
}

func invoke(t *testing.T, h *Handler, payload []byte) apitest.Response {
	t.Helper()
	r := apitest.Invoke(t, h.Handle, payload)
	r.CheckHeaders(t, map[string]string{
		"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
	})
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

// TestPartnerUnsubscribe: a lifecycle email's link turns off its kind in
// the partner's preferences, the "all" link every kind; neither touches
// the invitation suppression list, and a partner's token is no address's.
func TestPartnerUnsubscribe(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		tokens := testTokens(t, "k1:0123456789abcdef-unsub")
		h := &Handler{Store: st, Tokens: tokens, Now: func() time.Time { return testNow }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}

		milestones := tokens.SealPartner("pt_ann", partner.KindMilestones)
		page := invoke(t, h, event(t, "GET", milestones, "-"))
		if page.StatusCode != 200 || !strings.Contains(page.Body, "Stop milestone emails?") || !strings.Contains(page.Body, `<form method="post">`) {
			t.Errorf("GET: %d %s; want the partner confirmation page", page.StatusCode, page.Body)
		}
		if n, _ := st.NotificationPrefs(ctx, "pt_ann"); !n.On(partner.KindMilestones) {
			t.Fatal("showing the page turned milestones off")
		}
		r := invoke(t, h, event(t, "POST", milestones, "List-Unsubscribe=One-Click"))
		if r.StatusCode != 200 || !strings.Contains(r.Body, "You will not receive milestone emails any more") {
			t.Errorf("POST: %d %s; want the done page", r.StatusCode, r.Body)
		}
		n, err := st.NotificationPrefs(ctx, "pt_ann")
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range partner.Kinds {
			if want := k != partner.KindMilestones; n.On(k) != want {
				t.Errorf("after the milestones link, %s on = %v, want %v", k, n.On(k), want)
			}
		}

		if r := invoke(t, h, event(t, "POST", tokens.SealPartner("pt_bob", KindAll), "")); r.StatusCode != 200 || !strings.Contains(r.Body, "all partner program emails") {
			t.Errorf("POST all: %d %s", r.StatusCode, r.Body)
		}
		n, _ = st.NotificationPrefs(ctx, "pt_bob")
		for _, k := range partner.Kinds {
			if n.On(k) {
				t.Errorf("after the all link, %s is still on", k)
			}
		}
		if n, _ := st.NotificationPrefs(ctx, "pt_ann"); !n.On(partner.KindWelcome) {
			t.Error("one partner's link changed another partner's preferences")
		}
	})
}

func TestPartnerTokens(t *testing.T) {
	tokens := testTokens(t, "k1:0123456789abcdef-unsub")
	for _, kind := range append([]string{KindAll}, partner.Kinds...) {
		id, k, ok := tokens.OpenPartner(tokens.SealPartner("pt_x", kind))
		if !ok || id != "pt_x" || k != kind {
			t.Errorf("OpenPartner(SealPartner(pt_x, %s)) = %q, %q, %v", kind, id, k, ok)
		}
	}
	hash := emailaddr.NewHasher("h").Hash("bob@example.com")
	other := testTokens(t, "k1:fedcba9876543210-other")
	bad := map[string]string{
		"unknown kind":   tokens.SealPartner("pt_x", "newsletter"),
		"no partner":     tokens.SealPartner("", partner.KindWelcome),
		"forged key":     other.SealPartner("pt_x", partner.KindWelcome),
		"address token":  tokens.Seal(hash),
		"not base64":     tokens.Keys.Seal(partnerPurpose, "welcome~pt_x"),
		"oversize":       tokens.SealPartner(strings.Repeat("p", 300), partner.KindWelcome),
		"truncated sig":  func() string { s := tokens.SealPartner("pt_x", KindAll); return s[:len(s)-1] }(),
		"no separator":   tokens.Keys.Seal(partnerPurpose, "d2VsY29tZQ"),
		"empty":          "",
		"garbage":        "k1.x.y",
		"address as id":  tokens.Keys.Seal(purpose, hash),
		"swapped fields": tokens.Keys.Seal(partnerPurpose, "cHRfeAp3ZWxjb21l"),
	}
	for name, token := range bad {
		if id, k, ok := tokens.OpenPartner(token); ok {
			t.Errorf("%s: OpenPartner = %q, %q, true; want refused", name, id, k)
		}
	}
	// A partner's token is never an address's: it cannot suppress anyone.
	if _, ok := tokens.Open(tokens.SealPartner("pt_x", KindAll)); ok {
		t.Error("Open accepted a partner token as an address token")
	}
}
