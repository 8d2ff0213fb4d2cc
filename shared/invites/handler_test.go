package invites

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/email"
	"partnerkit/shared/emailaddr"
	"partnerkit/shared/httpapi/apitest"
	"partnerkit/shared/partner"
	"partnerkit/shared/referral"
	"partnerkit/shared/signing"
	"partnerkit/shared/unsubscribe"
)

var testNow = time.Date(2026, 11, 24, 10, 15, 30, 0, time.UTC)

// fakeSender records what it was asked to send; refuse names recipients
// it refuses, as SES refuses unverified recipients in its sandbox.
type fakeSender struct {
	mu     sync.Mutex
	sent   []email.Message
	refuse func(to string) bool
}

func (f *fakeSender) Send(_ context.Context, m email.Message) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refuse != nil && f.refuse(m.To[0]) {
		return "", errors.New("MessageRejected: Email address is not verified")
	}
	f.sent = append(f.sent, m)
	return fmt.Sprintf("m-%d", len(f.sent)), nil
}

func (f *fakeSender) recipients() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var to []string
	for _, m := range f.sent {
		to = append(to, m.To...)
	}
	return to
}

func testKeys(t testing.TB) *signing.Keyring {
	t.Helper()
	kr, err := signing.ParseKeyring("k1:0123456789abcdef-invites")
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

var testHasher = emailaddr.NewHasher("test-hash-secret")

func newTestHandler(t testing.TB, st Store, sender Sender, perDay int) *Handler {
	keys := testKeys(t)
	return &Handler{
		Store: st, Sender: sender, Hasher: testHasher,
		Invites:      &referral.InviteTokens{Keys: keys},
		Unsubscribes: &unsubscribe.Tokens{Keys: keys},
		BaseURL:      "https://go.example.com", Site: "www.example.com", From: "partners@example.com",
		PerDay: perDay, Now: func() time.Time { return testNow },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// request is the invite fixture with edits.
type request struct {
	id, body, sub, email string
	admin, base64        bool
}

func (r request) event(t testing.TB) []byte {
	t.Helper()
	ev := apitest.Load(t, "testdata/apigw-v2-invite.json")
	if r.id != "" {
		apitest.SetRoute(ev, "POST /partners/{id}/invites", map[string]string{"id": r.id})
	}
	if r.body != "" || r.base64 {
		apitest.SetBody(ev, r.body, r.base64)
	}
	apitest.SetClaims(ev, apitest.Claims{Sub: r.sub, Email: r.email, Admin: r.admin})
	return apitest.Encode(t, ev)
}

type apiError struct {
	Error struct{ Code, Message string } `json:"error"`
}

func call(t testing.TB, h *Handler, r request) (apitest.Response, Response) {
	t.Helper()
	resp := apitest.Invoke(t, h.Handle, r.event(t))
	resp.CheckHeaders(t, map[string]string{"Content-Type": "application/json"})
	var body Response
	if resp.StatusCode == 200 {
		resp.DecodeBody(t, &body)
	}
	return resp, body
}

func body(emails []string, message *string) string {
	b, err := json.Marshal(Request{Emails: emails, Message: message})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// enroll stores an active partner for the JWT subject sub.
func enroll(t testing.TB, st *dynamo.Store, sub, code, mail string) partner.Partner {
	t.Helper()
	p := partner.Partner{ID: "pt_" + sub, Code: code, Name: "", Subject: sub, Email: mail, Status: partner.StatusActive, CreatedAt: testNow}
	if _, _, err := st.CreatePartner(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestStatuses runs one request whose addresses cover every status but
// failed, in the contract's precedence, on both stores.
func TestStatuses(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		jane := enroll(t, st, "user-123", "jane", "jane@example.com")
		other := enroll(t, st, "user-456", "other", "other@example.com")
		for _, a := range []string{"gone@example.com", "gone2@example.com"} {
			if err := st.Suppress(ctx, testHasher.Hash(a), testNow); err != nil {
				t.Fatal(err)
			}
		}
		for _, a := range []string{"taken@example.com", "taken2@example.com"} {
			if _, _, err := st.RecordInviteTouch(ctx, testHasher.Hash(a), other.ID, testNow.Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		sender := &fakeSender{}
		h := newTestHandler(t, st, sender, 2)
		emails := []string{
			" Bob@Example.com ",                  // sent (trimmed, lower-cased)
			"not an email",                       // invalid
			"bob@example.com",                    // duplicate of the first
			"JANE@example.com",                   // self
			"gone@example.com",                   // suppressed
			"taken@example.com",                  // already_referred
			"carol@example.com",                  // sent (second of 2 a day)
			"dave@example.com",                   // quota_exceeded
			"eve@example.com\r\nBcc: x@evil.com", // invalid: header injection
			"eve@example.com,x@evil.com",         // invalid: two recipients
			"Eve <eve@example.com>",              // invalid: display name
			"GONE2@example.com",                  // suppressed outranks quota
			"taken2@EXAMPLE.com",                 // already_referred outranks quota
			"GONE@example.com",                   // duplicate outranks suppressed
			"jane@example.com",                   // duplicate outranks self
			"",                                   // invalid
		}
		resp, got := call(t, h, request{body: body(emails, nil)})
		if resp.StatusCode != 200 {
			t.Fatalf("status %d body %s", resp.StatusCode, resp.Body)
		}
		want := []Result{
			{"bob@example.com", StatusSent},
			{"not an email", StatusInvalid},
			{"bob@example.com", StatusDuplicate},
			{"jane@example.com", StatusSelf},
			{"gone@example.com", StatusSuppressed},
			{"taken@example.com", StatusAlreadyReferred},
			{"carol@example.com", StatusSent},
			{"dave@example.com", StatusQuotaExceeded},
			{"eve@example.com\r\nBcc: x@evil.com", StatusInvalid},
			{"eve@example.com,x@evil.com", StatusInvalid},
			{"Eve <eve@example.com>", StatusInvalid},
			{"gone2@example.com", StatusSuppressed},
			{"taken2@example.com", StatusAlreadyReferred},
			{"gone@example.com", StatusDuplicate},
			{"jane@example.com", StatusDuplicate},
			{"", StatusInvalid},
		}
		if !slices.Equal(got.Results, want) {
			t.Errorf("results:\n got %v\nwant %v", got.Results, want)
		}
		if got, want := sender.recipients(), []string{"bob@example.com", "carol@example.com"}; !sameSet(got, want) {
			t.Errorf("sent to %v, want %v", got, want)
		}
		lk, err := st.LookupInvites(ctx, jane.ID, dynamo.InviteDay(testNow), []string{testHasher.Hash("bob@example.com"), testHasher.Hash("dave@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		if lk.SentToday != 2 || lk.Invited[testHasher.Hash("bob@example.com")].PartnerID != jane.ID || len(lk.Invited) != 1 {
			t.Errorf("stored: %+v; want 2 counted today and bob's invite touch only", lk)
		}

		// The next day has a fresh quota; invited addresses stay invited.
		h.Now = func() time.Time { return testNow.Add(24 * time.Hour) }
		_, got = call(t, h, request{body: body([]string{"dave@example.com", "bob@example.com"}, nil)})
		if want := []Result{{"dave@example.com", StatusSent}, {"bob@example.com", StatusAlreadyReferred}}; !slices.Equal(got.Results, want) {
			t.Errorf("next day: %v, want %v", got.Results, want)
		}
	})
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestRefusals: refused requests answer the contract's errors and write
// nothing.
func TestRefusals(t *testing.T) {
	b := dynamotest.Embedded(t)
	st := dynamo.New(b.Client, b.Table)
	jane := enroll(t, st, "user-123", "jane", "jane@example.com")
	bob := enroll(t, st, "user-456", "bob", "bob@example.com")
	sus := enroll(t, st, "user-789", "sus", "sus@example.com")
	if _, err := st.SetPartnerStatus(context.Background(), sus.ID, partner.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	many := make([]string, 26)
	for i := range many {
		many[i] = fmt.Sprintf("friend%d@example.com", i)
	}
	msg := func(s string) *string { return &s }
	one := []string{"friend@example.com"}
	tests := []struct {
		name string
		req  request
		want int
		code string
	}{
		{"26 addresses", request{body: body(many, nil)}, 400, "invalid_request"},
		{"no address", request{body: body([]string{}, nil)}, 400, "invalid_request"},
		{"no emails field", request{body: `{"message":"hi"}`}, 400, "invalid_request"},
		{"501 characters", request{body: body(one, msg(strings.Repeat("é", 501)))}, 400, "invalid_request"},
		{"control character", request{body: body(one, msg("hi\x1b[31m"))}, 400, "invalid_request"},
		{"tab", request{body: body(one, msg("hi\tthere"))}, 400, "invalid_request"},
		{"bidi override", request{body: body(one, msg("hi \u202egnp.exe"))}, 400, "invalid_request"},
		{"zero-width space", request{body: body(one, msg("hi\u200bthere"))}, 400, "invalid_request"},
		{"URL", request{body: body(one, msg("see https://evil.example/win"))}, 400, "invalid_request"},
		{"scheme-relative", request{body: body(one, msg("see ftp://10.0.0.1"))}, 400, "invalid_request"},
		{"www", request{body: body(one, msg("go to www.evil"))}, 400, "invalid_request"},
		{"WWW", request{body: body(one, msg("go to WWW.Evil"))}, 400, "invalid_request"},
		{"host name", request{body: body(one, msg("go to evil.com now"))}, 400, "invalid_request"},
		{"host name in capitals", request{body: body(one, msg("EVIL.COM/win"))}, 400, "invalid_request"},
		{"subdomain", request{body: body(one, msg("login at secure.bank-of.example.co"))}, 400, "invalid_request"},
		{"host name at the end", request{body: body(one, msg("Bye.\nevil.io"))}, 400, "invalid_request"},
		{"ideographic dot", request{body: body(one, msg("go to evil\u3002com"))}, 400, "invalid_request"},
		{"email address", request{body: body(one, msg("write to jane@evil.com"))}, 400, "invalid_request"},
		{"address not a string", request{body: `{"emails":[5]}`}, 400, "invalid_request"},
		{"unknown field", request{body: `{"emails":["a@example.com"],"to":"x"}`}, 400, "invalid_request"},
		{"malformed JSON", request{body: `{"emails":`}, 400, "invalid_request"},
		{"another partner", request{id: bob.ID, body: body(one, nil)}, 403, "forbidden"},
		{"unknown partner", request{id: "pt_nobody", body: body(one, nil)}, 403, "forbidden"},
		{"unknown partner, admin", request{id: "pt_nobody", sub: "admin", admin: true, body: body(one, nil)}, 404, "not_found"},
		{"not enrolled", request{sub: "nobody", body: body(one, nil)}, 404, "not_found"},
		{"suspended", request{sub: "user-789", body: body(one, nil)}, 403, "forbidden"},
		{"oversize body", request{body: `{"emails":["a@example.com"],"message":"` + strings.Repeat("x", 70000) + `"}`}, 413, "payload_too_large"},
		{"oversize base64 body", request{base64: true, body: strings.Repeat("x", 70000)}, 413, "payload_too_large"},
	}
	sender := &fakeSender{}
	h := newTestHandler(t, st, sender, 50)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := call(t, h, tt.req)
			var e apiError
			json.Unmarshal([]byte(resp.Body), &e)
			if resp.StatusCode != tt.want || e.Error.Code != tt.code || e.Error.Message == "" {
				t.Errorf("got %d %s, want %d %s", resp.StatusCode, resp.Body, tt.want, tt.code)
			}
		})
	}
	if len(sender.sent) != 0 {
		t.Errorf("refused requests sent %d emails", len(sender.sent))
	}
	for _, p := range []partner.Partner{jane, bob, sus} {
		if lk, err := st.LookupInvites(context.Background(), p.ID, dynamo.InviteDay(testNow), []string{testHasher.Hash("friend@example.com")}); err != nil || lk.SentToday != 0 || len(lk.Invited) != 0 {
			t.Errorf("%s after refused requests: %+v, %v; want nothing stored", p.ID, lk, err)
		}
	}

	// Allowed: the partner's own id, 500 characters with line breaks, an
	// admin for another partner, text with dots that is no host name.
	ok := []request{
		{id: jane.ID, body: body([]string{"a1@example.com"}, msg(strings.Repeat("é", 250)+"\r\n"+strings.Repeat("y", 249)))},
		{id: bob.ID, sub: "admin", admin: true, body: body([]string{"a2@example.com"}, nil)},
		{id: jane.ID, body: body([]string{"a3@example.com"}, msg("Version 2.0 is out, e.g. on v1.5 too. Cost: 3.14 USD... Enjoy! 🎉"))},
		{id: "me", sub: "user-123", admin: true, body: body([]string{"a4@example.com"}, msg("ありがとう。また会いましょう。"))},
	}
	for _, r := range ok {
		if resp, got := call(t, h, r); resp.StatusCode != 200 || len(got.Results) != 1 || got.Results[0].Status != StatusSent {
			t.Errorf("request for %s: %d %s, want 200 sent", r.id, resp.StatusCode, resp.Body)
		}
	}
	if len(sender.sent) != 4 || sender.sent[1].ReplyTo[0] != "bob@example.com" || sender.sent[3].ReplyTo[0] != "jane@example.com" {
		t.Errorf("admin's invite for bob: %+v; want Reply-To bob's email", sender.sent)
	}
}

// TestRefusedSend: SES refusing an address makes it failed, keeps no
// invite touch and gives its quota slot to the next address.
func TestRefusedSend(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		jane := enroll(t, st, "user-123", "jane", "jane@example.com")
		sender := &fakeSender{refuse: func(to string) bool { return strings.HasPrefix(to, "refused") }}
		h := newTestHandler(t, st, sender, 2)
		_, got := call(t, h, request{body: body([]string{"refused1@example.com", "bob@example.com", "refused2@example.com", "carol@example.com", "dave@example.com"}, nil)})
		want := []Result{
			{"refused1@example.com", StatusFailed},
			{"bob@example.com", StatusSent},
			{"refused2@example.com", StatusFailed},
			{"carol@example.com", StatusSent},
			{"dave@example.com", StatusQuotaExceeded},
		}
		if !slices.Equal(got.Results, want) {
			t.Errorf("results:\n got %v\nwant %v", got.Results, want)
		}
		hashes := []string{testHasher.Hash("refused1@example.com"), testHasher.Hash("refused2@example.com")}
		lk, err := st.LookupInvites(ctx, jane.ID, dynamo.InviteDay(testNow), hashes)
		if err != nil || lk.SentToday != 2 || len(lk.Invited) != 0 {
			t.Errorf("after refused sends: %+v, %v; want 2 counted and no touch of a refused address", lk, err)
		}
		// A refused address can be invited again, by anyone.
		sender.refuse = nil
		bob := enroll(t, st, "user-456", "bobcode", "bob2@example.com")
		if _, got := call(t, h, request{id: bob.ID, sub: "user-456", body: body([]string{"refused1@example.com"}, nil)}); got.Results[0].Status != StatusSent {
			t.Errorf("inviting a refused address again: %v, want sent", got.Results)
		}
	})
}

// TestEmail checks the invite itself: sender, Reply-To, subject, both
// parts, the signed link and unsubscribe URL, and the partner's message as
// escaped text.
func TestEmail(t *testing.T) {
	b := dynamotest.Embedded(t)
	st := dynamo.New(b.Client, b.Table)
	p := partner.Partner{ID: "pt_jane", Code: "jane", Name: "Jane <b>Doe</b>", Subject: "user-123", Email: "jane@example.com", Status: partner.StatusActive, CreatedAt: testNow}
	if _, _, err := st.CreatePartner(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	sender := &fakeSender{}
	h := newTestHandler(t, st, sender, 50)
	message := "Hi Bob,\r\nclick <a href=\"/win\">here</a> & <script>alert(1)</script>"
	call(t, h, request{body: body([]string{"Bob@Example.com"}, &message)})
	if len(sender.sent) != 1 {
		t.Fatalf("sent %d emails, want 1", len(sender.sent))
	}
	m := sender.sent[0]
	checkInvite(t, h, m, p, "bob@example.com")
}

// TestBadStoredName: a name stored before the name rule existed, with
// line breaks or format characters, never reaches an invite; the email
// names the partner by its address instead.
func TestBadStoredName(t *testing.T) {
	const bySite = " invited you to www.example.com"
	tests := []struct{ name, stored, email, subject string }{
		{"bidi override", "Jane \u202eDoe", "jane@example.com", "jane@example.com" + bySite},
		{"zero-width", "Ja\u200bne", "jane@example.com", "jane@example.com" + bySite},
		{"header injection", "Jane\r\nBcc: x@evil.example", "jane@example.com", "jane@example.com" + bySite},
		{"too long", strings.Repeat("J", 101), "jane@example.com", "jane@example.com" + bySite},
		{"bad address too", "Jane \u202eDoe", "jane\u202e@example.com", "A friend" + bySite},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := dynamotest.Embedded(t)
			st := dynamo.New(b.Client, b.Table)
			p := partner.Partner{ID: "pt_jane", Code: "jane", Name: tt.stored, Subject: "user-123", Email: tt.email, Status: partner.StatusActive, CreatedAt: testNow}
			if _, _, err := st.CreatePartner(context.Background(), p); err != nil {
				t.Fatal(err)
			}
			sender := &fakeSender{}
			h := newTestHandler(t, st, sender, 50)
			call(t, h, request{body: body([]string{fmt.Sprintf("bob%d@example.com", i)}, nil)})
			if len(sender.sent) != 1 {
				t.Fatalf("sent %d emails, want 1", len(sender.sent))
			}
			m := sender.sent[0]
			if got, want := m.Subject, tt.subject; got != want {
				t.Errorf("subject %q, want %q", got, want)
			}
			if strings.ContainsAny(m.Subject+m.Text+m.HTML, "\u202e\u200b\r") || strings.Contains(m.Text+m.HTML, tt.stored) {
				t.Errorf("the stored name is in the email:\n%s\n%s", m.Text, m.HTML)
			}
		})
	}
}

// checkInvite checks an invite from partner p to to as it left (or, through
// SES, as it arrived).
func checkInvite(t *testing.T, h *Handler, m email.Message, p partner.Partner, to string) {
	t.Helper()
	hash := testHasher.Hash(to)
	if m.From != "partners@example.com" || !slices.Equal(m.To, []string{to}) || !slices.Equal(m.ReplyTo, []string{p.Email}) {
		t.Errorf("from %q to %v reply-to %v; want partners@example.com, %s, %s", m.From, m.To, m.ReplyTo, to, p.Email)
	}
	if want := p.Name + " invited you to www.example.com"; m.Subject != want {
		t.Errorf("subject %q, want %q", m.Subject, want)
	}
	headers := map[string]string{}
	for _, hd := range m.Headers {
		headers[hd.Name] = hd.Value
	}
	unsub := headers["List-Unsubscribe"]
	if !strings.HasPrefix(unsub, "<https://go.example.com/u/") || !strings.HasSuffix(unsub, ">") || headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" {
		t.Errorf("headers %v; want RFC 8058 List-Unsubscribe and List-Unsubscribe-Post", headers)
	}
	unsubURL := strings.Trim(unsub, "<>")
	if got, ok := h.Unsubscribes.Open(strings.TrimPrefix(unsubURL, "https://go.example.com/u/")); !ok || got != hash {
		t.Errorf("unsubscribe token opens to %q, %v; want the address's hash", got, ok)
	}
	if strings.Contains(unsubURL, strings.Split(to, "@")[0]) {
		t.Errorf("unsubscribe URL %s carries the address", unsubURL)
	}

	// The link, in both parts, is the partner's code with a signed token.
	prefix := "https://go.example.com/r/" + p.Code + "?inv="
	i := strings.Index(m.Text, prefix)
	if i < 0 {
		t.Fatalf("text part has no link %s...:\n%s", prefix, m.Text)
	}
	token := strings.Fields(m.Text[i+len(prefix):])[0]
	if inv, ok := h.Invites.Open(token); !ok || inv != (referral.Invite{PartnerID: p.ID, Code: p.Code, EmailHash: hash}) {
		t.Errorf("invite token opens to %+v, %v", inv, ok)
	}
	if !strings.Contains(m.HTML, `href="`+prefix+token+`"`) || !strings.Contains(m.HTML, `href="`+unsubURL+`"`) {
		t.Errorf("HTML part lacks the link or the unsubscribe URL:\n%s", m.HTML)
	}
	if !strings.Contains(m.Text, unsubURL) {
		t.Errorf("text part lacks the unsubscribe URL:\n%s", m.Text)
	}

	// The message: verbatim in the text part, escaped text in the HTML one,
	// line breaks kept; no markup or link of the partner's.
	if !strings.Contains(m.Text, "Hi Bob,\nclick <a href=\"/win\">here</a> & <script>alert(1)</script>") {
		t.Errorf("text part lacks the message:\n%s", m.Text)
	}
	escaped := "Hi Bob,<br>click &lt;a href=&#34;/win&#34;&gt;here&lt;/a&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;"
	if !strings.Contains(m.HTML, escaped) {
		t.Errorf("HTML part lacks the escaped message %s:\n%s", escaped, m.HTML)
	}
	if strings.Contains(m.HTML, "<script") || strings.Contains(m.HTML, "<b>") || strings.Count(m.HTML, `href="`) != 2 {
		t.Errorf("HTML part has partner markup or links:\n%s", m.HTML)
	}
	if !strings.Contains(m.HTML, "Jane &lt;b&gt;Doe&lt;/b&gt;") {
		t.Errorf("HTML part does not show the partner's name escaped:\n%s", m.HTML)
	}
	if strings.Contains(token, strings.Split(to, "@")[0]) {
		t.Errorf("invite token %s carries the address", token)
	}
}
