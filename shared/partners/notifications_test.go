package partners

import (
	"strings"
	"testing"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
)

// TestNotificationPreferences: every kind is on until turned off; a PUT
// changes only the kinds it names; the partner ("me") and an admin may
// read and change them, another partner may not.
func TestNotificationPreferences(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		st := dynamo.New(b.Client, b.Table)
		h, _ := centerHandler(t, st)
		ann := enroll(t, h, "ann", "ann@example.com", "ann-code")
		enroll(t, h, "bob", "bob@example.com", "bob-code")
		getRoute := request{route: "GET /partners/{id}/notifications", id: "me", sub: "ann"}
		var got map[string]bool
		if r := call(t, h, getRoute, &got); r.StatusCode != 200 {
			t.Fatalf("GET: %d %s", r.StatusCode, r.Body)
		}
		for _, k := range []string{"welcome", "first_signup", "statement_payable", "milestones"} {
			if on, ok := got[k]; !ok || !on {
				t.Errorf("new partner's %s = %v (present %v), want true", k, on, ok)
			}
		}
		if len(got) != 4 {
			t.Errorf("GET answered %v, want exactly the four kinds", got)
		}

		put := request{route: "PUT /partners/{id}/notifications", id: "me", sub: "ann", body: `{"milestones":false,"first_signup":false}`}
		got = nil
		if r := call(t, h, put, &got); r.StatusCode != 200 {
			t.Fatalf("PUT: %d %s", r.StatusCode, r.Body)
		}
		want := map[string]bool{"welcome": true, "first_signup": false, "statement_payable": true, "milestones": false}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("PUT answered %s = %v, want %v", k, got[k], v)
			}
		}
		// An admin turns one back on, by id; the rest stay as the partner left them.
		admin := request{route: "PUT /partners/{id}/notifications", id: ann, sub: "root", admin: true, body: `{"milestones":true}`}
		if r := call(t, h, admin, nil); r.StatusCode != 200 {
			t.Fatalf("admin PUT: %d %s", r.StatusCode, r.Body)
		}
		got = nil
		call(t, h, getRoute, &got)
		if !got["milestones"] || got["first_signup"] {
			t.Errorf("after the admin's PUT: %v; want milestones on, first_signup still off", got)
		}

		for _, r := range []request{
			{route: "GET /partners/{id}/notifications", id: ann, sub: "bob"},
			{route: "PUT /partners/{id}/notifications", id: ann, sub: "bob", body: `{"welcome":false}`},
		} {
			var e apiError
			if resp := call(t, h, r, &e); resp.StatusCode != 403 || e.Error.Code != "forbidden" {
				t.Errorf("%s by another partner: %d %s, want 403 forbidden", r.route, resp.StatusCode, resp.Body)
			}
		}
		got = nil
		call(t, h, getRoute, &got)
		if !got["welcome"] {
			t.Error("another partner's refused PUT changed the preferences")
		}
	})
}

// TestNotificationRefusals: bad bodies are 400 naming the field, and
// nothing is written.
func TestNotificationRefusals(t *testing.T) {
	b := dynamotest.Embedded(t)
	st := dynamo.New(b.Client, b.Table)
	h, _ := centerHandler(t, st)
	enroll(t, h, "ann", "ann@example.com", "ann-code")
	tests := []struct{ body, mention string }{
		{`{"welcome":"no"}`, "welcome must be true or false"},
		{`{"milestones":0}`, "milestones must be true or false"},
		{`{"milestones":null}`, "milestones must be true or false"},
		{`{"welcome":false,"newsletter":false}`, `"newsletter" is not a kind`},
		{`{"Welcome":false}`, `"Welcome" is not a kind`},
		{`{}`, "at least one of welcome"},
		{``, "at least one of welcome"},
		{`[true]`, "JSON object"},
		{`{"welcome":false`, "not valid JSON"},
	}
	for _, tt := range tests {
		var e apiError
		r := call(t, h, request{route: "PUT /partners/{id}/notifications", id: "me", sub: "ann", body: tt.body}, &e)
		if r.StatusCode != 400 || e.Error.Code != "invalid_request" || !strings.Contains(e.Error.Message, tt.mention) {
			t.Errorf("PUT %s: %d %s; want 400 mentioning %q", tt.body, r.StatusCode, r.Body, tt.mention)
		}
	}
	var got map[string]bool
	call(t, h, request{route: "GET /partners/{id}/notifications", id: "me", sub: "ann"}, &got)
	for k, on := range got {
		if !on {
			t.Errorf("a refused PUT turned %s off", k)
		}
	}
	var e apiError
	if r := call(t, h, request{route: "GET /partners/{id}/notifications", id: "me", sub: "stranger"}, &e); r.StatusCode != 404 {
		t.Errorf("GET me for a user who is not a partner: %d %s, want 404", r.StatusCode, r.Body)
	}
}
