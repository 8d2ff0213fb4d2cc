package main

import (
	"net/http"
	"strings"
	"testing"
)

// codeAlphabet is the contract's alphabet of generated codes: a-z and 2-9
// without the look-alikes 0, 1, i, l and o.
const codeAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

func TestEnroll(t *testing.T) {
	ts := newTestStack(t)
	alice := ts.user("u-alice", false)

	first := ts.enroll(alice, `{"name":"Alice"}`)
	if first.PartnerID == "" || first.PartnerID == "u-alice" {
		t.Errorf("partner_id = %q, want a generated id, not the sub", first.PartnerID)
	}
	if got, want := len(first.Code), 8; got != want {
		t.Errorf("code %q has %d characters, want %d", first.Code, got, want)
	}
	if i := strings.IndexFunc(first.Code, func(r rune) bool { return !strings.ContainsRune(codeAlphabet, r) }); i >= 0 {
		t.Errorf("code %q has %q, want only %s", first.Code, first.Code[i], codeAlphabet)
	}
	if got, want := first.Link, ts.base+"/r/"+first.Code; got != want {
		t.Errorf("link = %q, want %q", got, want)
	}

	t.Run("again", func(t *testing.T) {
		// Already a partner: 200 with the same partner, unchanged.
		resp := ts.api(http.MethodPost, "/partners", alice, `{"name":"Other","code":"alice-new"}`)
		if got, want := resp.StatusCode, http.StatusOK; got != want {
			t.Fatalf("second POST /partners: status %d, want %d; body %s", got, want, resp.body)
		}
		var again enrolled
		decode(t, resp, &again)
		if again != first {
			t.Errorf("second enrollment = %+v, want %+v", again, first)
		}
		if got, want := ts.profile(alice, "me").Code, first.Code; got != want {
			t.Errorf("code after second enrollment = %q, want %q", got, want)
		}
	})

	t.Run("vanity", func(t *testing.T) {
		got := ts.enroll(ts.user("u-vanity", false), `{"code":"Acme-Co"}`)
		if want := "acme-co"; got.Code != want {
			t.Errorf("code = %q, want %q (lower-cased)", got.Code, want)
		}
		if want := ts.base + "/r/acme-co"; got.Link != want {
			t.Errorf("link = %q, want %q", got.Link, want)
		}
	})

	refused := []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"vanity code taken", `{"code":"ACME-co"}`, http.StatusConflict, "conflict"},
		{"reserved word", `{"code":"Admin"}`, http.StatusConflict, "conflict"},
		{"reserved word api", `{"code":"api"}`, http.StatusConflict, "conflict"},
		{"underscore", `{"code":"a_b"}`, http.StatusBadRequest, "invalid_request"},
		{"too short", `{"code":"ab"}`, http.StatusBadRequest, "invalid_request"},
		{"too long", `{"code":"` + strings.Repeat("a", 33) + `"}`, http.StatusBadRequest, "invalid_request"},
		{"not a string", `{"code":42}`, http.StatusBadRequest, "invalid_request"},
		{"unknown field", `{"name":"Bob","referrer":"x"}`, http.StatusBadRequest, "invalid_request"},
		{"malformed JSON", `{"name":`, http.StatusBadRequest, "invalid_request"},
		{"two values", `{} {}`, http.StatusBadRequest, "invalid_request"},
		{"over 64 KiB", `{"name":"` + strings.Repeat("b", 64<<10) + `"}`, http.StatusRequestEntityTooLarge, "payload_too_large"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			bob := ts.user("u-bob-"+strings.ReplaceAll(tt.name, " ", "-"), false)
			wantError(t, ts.api(http.MethodPost, "/partners", bob, tt.body), tt.status, tt.code)
			ts.wantNotPartner(bob)
		})
	}
}

func TestPartnerAccess(t *testing.T) {
	ts := newTestStack(t)
	alice := ts.user("u-alice", false)
	bob := ts.user("u-bob", false)
	admin := ts.user("u-admin", true)
	a := ts.enroll(alice, "")
	b := ts.enroll(bob, "")

	reads := []struct {
		name       string
		token, id  string
		wantStatus int
		wantID     string
		wantCode   string // error code when not 200
	}{
		{"own id", alice, a.PartnerID, http.StatusOK, a.PartnerID, ""},
		{"me", alice, "me", http.StatusOK, a.PartnerID, ""},
		{"other partner", alice, b.PartnerID, http.StatusForbidden, "", "forbidden"},
		// A partner learns nothing about ids that do not exist.
		{"unknown id", alice, "pt_doesnotexist0000", http.StatusForbidden, "", "forbidden"},
		{"admin reads any", admin, b.PartnerID, http.StatusOK, b.PartnerID, ""},
		{"admin unknown id", admin, "pt_doesnotexist0000", http.StatusNotFound, "", "not_found"},
		{"admin not a partner", admin, "me", http.StatusNotFound, "", "not_found"},
	}
	for _, tt := range reads {
		t.Run("GET "+tt.name, func(t *testing.T) {
			resp := ts.api(http.MethodGet, "/partners/"+tt.id, tt.token, "")
			if tt.wantStatus != http.StatusOK {
				wantError(t, resp, tt.wantStatus, tt.wantCode)
				return
			}
			if got, want := resp.StatusCode, http.StatusOK; got != want {
				t.Fatalf("status %d, want %d; body %s", got, want, resp.body)
			}
			var p profile
			decode(t, resp, &p)
			if got, want := p.PartnerID, tt.wantID; got != want {
				t.Errorf("partner_id = %q, want %q", got, want)
			}
			if got, want := p.Link, ts.base+"/r/"+p.Code; got != want {
				t.Errorf("link = %q, want %q", got, want)
			}
			if p.Stats.Pending == nil || p.Stats.Payable == nil || p.Stats.Paid == nil {
				t.Errorf("stats = %+v, want pending, payable and paid objects", p.Stats)
			}
		})
	}

	patches := []struct {
		name, token, id, body string
		status                int
		code                  string
	}{
		{"partner suspends other", alice, b.PartnerID, `{"status":"suspended"}`, http.StatusForbidden, "forbidden"},
		{"partner suspends self", bob, "me", `{"status":"suspended"}`, http.StatusForbidden, "forbidden"},
		{"partner suspends own id", bob, b.PartnerID, `{"status":"suspended"}`, http.StatusForbidden, "forbidden"},
		{"bad status", admin, b.PartnerID, `{"status":"banned"}`, http.StatusBadRequest, "invalid_request"},
		{"no status", admin, b.PartnerID, `{}`, http.StatusBadRequest, "invalid_request"},
		{"unknown field", admin, b.PartnerID, `{"status":"suspended","note":"x"}`, http.StatusBadRequest, "invalid_request"},
		{"unknown partner", admin, "pt_doesnotexist0000", `{"status":"suspended"}`, http.StatusNotFound, "not_found"},
		{"over 64 KiB", admin, b.PartnerID, `{"status":"suspended","x":"` + strings.Repeat("c", 64<<10) + `"}`, http.StatusRequestEntityTooLarge, "payload_too_large"},
	}
	for _, tt := range patches {
		t.Run("PATCH "+tt.name, func(t *testing.T) {
			wantError(t, ts.api(http.MethodPatch, "/partners/"+tt.id, tt.token, tt.body), tt.status, tt.code)
			if got, want := ts.profile(admin, b.PartnerID).Status, "active"; got != want {
				t.Errorf("status after refused PATCH = %q, want %q", got, want)
			}
		})
	}
}

func TestSuspension(t *testing.T) {
	ts := newTestStack(t)
	admin := ts.user("u-admin", true)
	p := ts.enroll(ts.user("u-sus", false), `{"code":"sus-partner"}`)

	if got, want := ts.redirect(t, "/r/sus-partner", nil).visitor, true; got != want {
		t.Fatalf("active partner's link counted = %v, want %v", got, want)
	}
	if got, want := ts.clicks(admin, p.PartnerID), int64(1); got != want {
		t.Fatalf("clicks before suspension = %d, want %d", got, want)
	}

	setStatus := func(status string) {
		t.Helper()
		resp := ts.api(http.MethodPatch, "/partners/"+p.PartnerID, admin, `{"status":"`+status+`"}`)
		if got, want := resp.StatusCode, http.StatusOK; got != want {
			t.Fatalf("PATCH %s: status %d, want %d; body %s", status, got, want, resp.body)
		}
		var prof profile
		decode(t, resp, &prof)
		if got, want := prof.Status, status; got != want {
			t.Errorf("PATCH %s: status field %q, want %q", status, got, want)
		}
		if got, want := prof.PartnerID, p.PartnerID; got != want {
			t.Errorf("PATCH %s: partner_id %q, want %q", status, got, want)
		}
	}

	setStatus("suspended")
	got := ts.redirect(t, "/r/sus-partner", nil)
	if got.location != ts.landing || got.visitor || got.cookie != "" {
		t.Errorf("suspended link: Location %q, Set-Cookie %q; want %q without pk_vid or cookie", got.location, got.cookie, ts.landing)
	}
	if got, want := ts.clicks(admin, p.PartnerID), int64(1); got != want {
		t.Errorf("clicks after a suspended click = %d, want %d (unchanged)", got, want)
	}

	setStatus("active")
	if got, want := ts.redirect(t, "/r/sus-partner", nil).visitor, true; got != want {
		t.Errorf("reactivated link counted = %v, want %v", got, want)
	}
	if got, want := ts.clicks(admin, p.PartnerID), int64(2); got != want {
		t.Errorf("clicks after reactivation = %d, want %d", got, want)
	}
}
