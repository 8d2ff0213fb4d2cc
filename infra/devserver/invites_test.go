package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// outboxEntry is one email of GET /_local/outbox.
type outboxEntry struct {
	To      []string          `json:"to"`
	From    string            `json:"from"`
	ReplyTo []string          `json:"reply_to"`
	Subject string            `json:"subject"`
	Text    string            `json:"text"`
	HTML    string            `json:"html"`
	Headers map[string]string `json:"headers"`
}

func (ts *testStack) outbox() []outboxEntry {
	ts.t.Helper()
	resp := ts.do(http.MethodGet, "/_local/outbox", nil, "")
	var out struct {
		Emails []outboxEntry `json:"emails"`
	}
	decode(ts.t, resp, &out)
	return out.Emails
}

type inviteResults struct {
	Results []struct {
		Email  string `json:"email"`
		Status string `json:"status"`
	} `json:"results"`
}

// invite POSTs emails to /partners/{id}/invites and returns the statuses.
func (ts *testStack) invite(token, id string, emails ...string) []string {
	ts.t.Helper()
	b, err := json.Marshal(map[string]any{"emails": emails, "message": "Line one,\nline <two>."})
	if err != nil {
		ts.t.Fatal(err)
	}
	resp := ts.api(http.MethodPost, "/partners/"+id+"/invites", token, string(b))
	if resp.StatusCode != http.StatusOK {
		ts.t.Fatalf("POST /partners/%s/invites: status %d, body %s", id, resp.StatusCode, resp.body)
	}
	var r inviteResults
	decode(ts.t, resp, &r)
	var statuses []string
	for _, res := range r.Results {
		statuses = append(statuses, res.Status)
	}
	return statuses
}

// TestInvites runs invite-a-friend through the local stack: the invites
// function's SES v2 client sends to the stack's local SES endpoint, the
// email lands in the outbox, its link counts a click of the inviter, its
// one-click unsubscribe URL suppresses the address, and a signup of the
// invited address is attributed to the invite.
func TestInvites(t *testing.T) {
	ts := newTestStack(t)
	jane := ts.user("u-jane", false)
	j := ts.enroll(jane, `{"name":"Jane"}`)
	bob := ts.user("u-bob", false)
	b := ts.enroll(bob, "")
	admin := ts.user("u-admin", true)

	got := ts.invite(jane, "me", "Friend@Example.com", "refused@mail.invalid", "u-jane@example.com")
	if want := []string{"sent", "failed", "self"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("statuses %v, want %v", got, want)
	}
	// The partners' own emails (welcome, first signup) go to the outbox
	// too: only the friend's count here.
	mails := ts.mailsTo("friend@example.com", 0)
	if len(mails) != 1 {
		t.Fatalf("outbox holds %d emails to the friend, want 1: %+v", len(mails), mails)
	}
	m := mails[0]
	if m.From != "partners@example.com" || strings.Join(m.To, ",") != "friend@example.com" || strings.Join(m.ReplyTo, ",") != "u-jane@example.com" {
		t.Errorf("email from %q to %v reply-to %v", m.From, m.To, m.ReplyTo)
	}
	if !strings.HasPrefix(m.Subject, "Jane invited you") || !strings.Contains(m.Text, "line <two>.") || !strings.Contains(m.HTML, "line &lt;two&gt;.") {
		t.Errorf("subject %q, text %q, html %q", m.Subject, m.Text, m.HTML)
	}
	unsub := strings.Trim(m.Headers["List-Unsubscribe"], "<>")
	if !strings.HasPrefix(unsub, ts.base+"/u/") || m.Headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" {
		t.Fatalf("headers %v", m.Headers)
	}

	// The link counts a click of Jane, even moved onto Bob's code.
	i := strings.Index(m.Text, ts.base+"/r/"+j.Code+"?inv=")
	if i < 0 {
		t.Fatalf("no invite link in %s", m.Text)
	}
	link, err := url.Parse(strings.Fields(m.Text[i:])[0])
	if err != nil {
		t.Fatal(err)
	}
	hop := ts.do(http.MethodGet, link.RequestURI(), nil, "")
	if hop.StatusCode != http.StatusFound || !strings.Contains(hop.Header.Get("Location"), "pk_vid=") {
		t.Fatalf("invite link: %d %v", hop.StatusCode, hop.Header)
	}
	moved := "/r/" + b.Code + "?inv=" + url.QueryEscape(link.Query().Get("inv"))
	ts.do(http.MethodGet, moved, nil, "")
	if c := ts.clicks(admin, j.PartnerID); c != 2 {
		t.Errorf("Jane's clicks = %d, want 2", c)
	}
	if c := ts.clicks(admin, b.PartnerID); c != 0 {
		t.Errorf("Bob's clicks = %d, want 0", c)
	}

	// Bob invites the same address (in another letter case): already referred.
	if got := ts.invite(bob, b.PartnerID, "FRIEND@example.com"); got[0] != "already_referred" {
		t.Errorf("Bob's invite: %v, want already_referred", got)
	}

	// The refused address kept nothing: Bob may invite it (and SES refuses again).
	if got := ts.invite(bob, "me", "refused@mail.invalid"); got[0] != "failed" {
		t.Errorf("Bob's invite of the refused address: %v, want failed", got)
	}

	// One-click unsubscribe, as a mail client sends it.
	path := strings.TrimPrefix(unsub, ts.base)
	page := ts.do(http.MethodGet, path, nil, "")
	if page.StatusCode != 200 || !strings.Contains(string(page.body), `<form method="post">`) {
		t.Fatalf("GET %s: %d %s", path, page.StatusCode, page.body)
	}
	req := ts.do(http.MethodPost, path, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, "List-Unsubscribe=One-Click")
	if req.StatusCode != 200 || req.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("POST %s: %d %s", path, req.StatusCode, req.body)
	}
	if got := ts.do(http.MethodPost, "/u/k1.forged.token", nil, ""); got.StatusCode != http.StatusNotFound {
		t.Errorf("POST a forged token: %d, want 404", got.StatusCode)
	}
	if got := ts.invite(bob, "me", "friend@example.com"); got[0] != "suppressed" {
		t.Errorf("invite after unsubscribing: %v, want suppressed", got)
	}

	// A signup of the invited address is attributed to Jane's invite.
	a := wantOK(t, ts.webhook(delivery{id: "msg_invite_1", body: customerCreated("cus_friend", "friend@example.com", "")}))
	if !a.Attributed || a.PartnerID != j.PartnerID || a.Source != "invite" {
		t.Errorf("signup of the invited address: %+v, want attributed to Jane's invite", a)
	}
	if n := len(ts.mailsTo("friend@example.com", 0)); n != 1 {
		t.Errorf("outbox holds %d emails to the friend, want still 1", n)
	}
}

// TestLocalSES: the stack's SES endpoint, also under /_local/ses/, answers
// like SES to what it does not serve.
func TestLocalSES(t *testing.T) {
	ts := newTestStack(t)
	resp := ts.do(http.MethodPost, "/_local/ses/v2/email/outbound-emails", nil, `{"Content":{"Simple":{"Subject":{"Data":"s"},"Body":{"Text":{"Data":"t"}}}},"FromEmailAddress":"a@example.com","Destination":{"ToAddresses":["b@example.com"]}}`)
	if resp.StatusCode != 200 || !strings.Contains(string(resp.body), "MessageId") {
		t.Errorf("SendEmail: %d %s", resp.StatusCode, resp.body)
	}
	for _, tt := range []struct {
		path, body, errorType string
	}{
		{"/_local/ses/v2/email/outbound-emails", `not json`, "BadRequestException"},
		{"/_local/ses/v2/email/outbound-emails", `{"Content":{"Raw":{"Data":"eA=="}}}`, "BadRequestException"},
		{"/_local/ses/v2/email/templates", `{}`, "NotFoundException"},
	} {
		resp := ts.do(http.MethodPost, tt.path, nil, tt.body)
		if resp.StatusCode < 400 || resp.Header.Get("X-Amzn-ErrorType") != tt.errorType {
			t.Errorf("POST %s %s: %d %s, want error type %s", tt.path, tt.body, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), tt.errorType)
		}
	}
	if n := len(ts.outbox()); n != 1 {
		t.Errorf("outbox holds %d emails, want 1", n)
	}
}
