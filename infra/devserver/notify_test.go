package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func (ts *testStack) drainOutbox() int {
	ts.t.Helper()
	resp := ts.do(http.MethodPost, "/_local/drain", nil, "")
	var out struct {
		Items int `json:"items"`
	}
	decode(ts.t, resp, &out)
	return out.Items
}

// TestLifecycleEmails runs the partner emails through the local stack:
// enrolling writes an outbox item, the drain hands it to NotifyFunction
// as a stream record, the welcome lands in the email outbox with the
// partner's link, once; preferences saved through the API hold back a
// kind, and the email's one-click link turns its kind off.
func TestLifecycleEmails(t *testing.T) {
	ts := newTestStack(t)
	ann := ts.user("u-ann", false)
	a := ts.enroll(ann, `{"name":"Ann","code":"ann-link"}`)
	if n := ts.drainOutbox(); n < 1 {
		t.Fatalf("drain handed over %d outbox items, want the enrolment's", n)
	}
	if n := ts.drainOutbox(); n != 0 {
		t.Errorf("a second drain handed over %d items, want 0", n)
	}
	mails := ts.outbox()
	if len(mails) != 1 {
		t.Fatalf("outbox holds %d emails, want the welcome: %+v", len(mails), mails)
	}
	m := mails[0]
	if len(m.To) != 1 || m.To[0] != "u-ann@example.com" || !strings.HasPrefix(m.Subject, "Welcome to ") {
		t.Errorf("welcome to %v, subject %q", m.To, m.Subject)
	}
	if !strings.Contains(m.Text, a.Link) || !strings.Contains(m.HTML, a.Link) {
		t.Errorf("welcome lacks the link %s:\n%s", a.Link, m.Text)
	}

	// Preferences are read when the event is handled: an admin's PUT
	// before the drain holds Bob's welcome back.
	bob := ts.user("u-bob", false)
	b := ts.enroll(bob, "")
	admin := ts.user("u-admin", true)
	if r := ts.api(http.MethodPut, "/partners/"+b.PartnerID+"/notifications", admin, `{"welcome":false}`); r.StatusCode != 200 {
		t.Fatalf("PUT notifications: %d %s", r.StatusCode, r.body)
	}
	ts.drainOutbox()
	if n := len(ts.outbox()); n != 1 {
		t.Errorf("outbox holds %d emails after Bob's enrolment, want still 1", n)
	}

	// Ann's one-click unsubscribe turns her welcome emails off.
	u, err := url.Parse(strings.Trim(m.Headers["List-Unsubscribe"], "<>"))
	if err != nil {
		t.Fatal(err)
	}
	if r := ts.do(http.MethodPost, u.Path, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, "List-Unsubscribe=One-Click"); r.StatusCode != 200 {
		t.Fatalf("one-click unsubscribe: %d %s", r.StatusCode, r.body)
	}
	var prefs map[string]bool
	decode(t, ts.api(http.MethodGet, "/partners/me/notifications", ann, ""), &prefs)
	if prefs["welcome"] || !prefs["milestones"] {
		t.Errorf("after the welcome's link: %v; want welcome off, the rest on", prefs)
	}
}
