package main

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// mailsTo waits up to 5 s for want emails to address in the outbox (the
// stack's events worker drains the outbox twice a second) and returns
// what is there then.
func (ts *testStack) mailsTo(address string, want int) []outboxEntry {
	ts.t.Helper()
	var got []outboxEntry
	for deadline := time.Now().Add(5 * time.Second); ; {
		got = got[:0]
		for _, m := range ts.outbox() {
			if slices.Contains(m.To, address) {
				got = append(got, m)
			}
		}
		if len(got) >= want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestLifecycleEmails runs the partner emails through the local stack:
// enrolling writes an outbox item, the events worker hands its events to
// the notifier, the welcome lands in the email outbox with the partner's
// link, once; the email's one-click link turns its kind off.
func TestLifecycleEmails(t *testing.T) {
	ts := newTestStack(t)
	ann := ts.user("u-ann", false)
	a := ts.enroll(ann, `{"name":"Ann","code":"ann-link"}`)
	mails := ts.mailsTo("u-ann@example.com", 1)
	if len(mails) != 1 {
		t.Fatalf("outbox holds %d emails to Ann, want the welcome", len(mails))
	}
	m := mails[0]
	if !strings.HasPrefix(m.Subject, "Welcome to ") || m.From != "partners@example.com" {
		t.Errorf("welcome from %q, subject %q", m.From, m.Subject)
	}
	if !strings.Contains(m.Text, a.Link) || !strings.Contains(m.HTML, a.Link) {
		t.Errorf("welcome lacks the link %s:\n%s", a.Link, m.Text)
	}
	time.Sleep(1200 * time.Millisecond) // the worker keeps draining
	if n := len(ts.mailsTo("u-ann@example.com", 0)); n != 1 {
		t.Errorf("outbox holds %d emails to Ann, want the welcome once", n)
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
