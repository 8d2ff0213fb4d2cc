package attribution

import (
	"fmt"
	"testing"
	"time"
)

func TestDecide(t *testing.T) {
	created := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	window := 90 * 24 * time.Hour
	s := Signup{CustomerID: "cus_1", Email: "carol@example.com", CreatedAt: created}
	at := func(d time.Duration) time.Time { return created.Add(d) }
	click := func(p string, d time.Duration) Touch { return Touch{Source: SourceClick, PartnerID: p, At: at(d)} }
	invite := func(p string, d time.Duration) Touch { return Touch{Source: SourceInvite, PartnerID: p, At: at(d)} }
	code := func(p string) Touch { return Touch{Source: SourceCode, PartnerID: p, At: created} }

	tests := []struct {
		name       string
		touches    []Touch
		wantWinner string
		wantSource string
		wantReason string
		outcomes   []string
	}{
		{"no touch", nil, "", "", ReasonNoTouch, nil},
		{"earliest wins", []Touch{code("pt_c"), click("pt_a", -time.Hour), invite("pt_b", -2*time.Hour)},
			"pt_b", SourceInvite, "", []string{OutcomeWon, OutcomeLater, OutcomeLater}},
		{"tie: click beats invite beats code", []Touch{code("pt_c"), invite("pt_b", 0), click("pt_a", 0)},
			"pt_a", SourceClick, "", []string{OutcomeWon, OutcomeLater, OutcomeLater}},
		{"touch after created_at counts", []Touch{click("pt_a", time.Minute)}, "pt_a", SourceClick, "", []string{OutcomeWon}},
		{"out of window", []Touch{click("pt_a", -window-time.Millisecond)}, "", "", ReasonOutOfWindow, []string{OutcomeOutOfWindow}},
		{"edge of window counts", []Touch{click("pt_a", -window)}, "pt_a", SourceClick, "", []string{OutcomeWon}},
		{"old touch loses to a newer one in window", []Touch{click("pt_a", -window-time.Hour), code("pt_c")},
			"pt_c", SourceCode, "", []string{OutcomeOutOfWindow, OutcomeWon}},
		{"self-referral skipped", []Touch{{Source: SourceClick, PartnerID: "pt_self", PartnerEmail: "carol@example.com", At: at(-time.Hour)}, code("pt_c")},
			"pt_c", SourceCode, "", []string{OutcomeSelfReferral, OutcomeWon}},
		{"only self-referral", []Touch{{Source: SourceCode, PartnerID: "pt_self", PartnerEmail: "carol@example.com", At: created}, click("pt_a", -window-time.Hour)},
			"", "", ReasonSelfReferral, []string{OutcomeOutOfWindow, OutcomeSelfReferral}},
		{"suspended partner's earlier click skipped", []Touch{{Source: SourceClick, PartnerID: "pt_sus", Suspended: true, At: at(-2 * time.Hour)}, invite("pt_b", -time.Hour)},
			"pt_b", SourceInvite, "", []string{OutcomeSuspended, OutcomeWon}},
		{"only suspended touches", []Touch{{Source: SourceInvite, PartnerID: "pt_sus", Suspended: true, At: at(-time.Hour)}, click("pt_a", -window-time.Hour)},
			"", "", ReasonSuspended, []string{OutcomeOutOfWindow, OutcomeSuspended}},
		{"self-referral reason before suspended", []Touch{{Source: SourceCode, PartnerID: "pt_self", PartnerEmail: "carol@example.com", At: created},
			{Source: SourceClick, PartnerID: "pt_sus", Suspended: true, At: at(-time.Hour)}},
			"", "", ReasonSelfReferral, []string{OutcomeSuspended, OutcomeSelfReferral}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(s, tt.touches, window)
			if d.Attributed != (tt.wantWinner != "") || d.PartnerID != tt.wantWinner || d.Source != tt.wantSource || d.Reason != tt.wantReason {
				t.Errorf("Decide = %+v; want winner %q source %q reason %q", d, tt.wantWinner, tt.wantSource, tt.wantReason)
			}
			if len(d.Candidates) != len(tt.outcomes) {
				t.Fatalf("candidates %+v, want %d", d.Candidates, len(tt.outcomes))
			}
			for i, c := range d.Candidates {
				if c.Outcome != tt.outcomes[i] {
					t.Errorf("candidate %d (%s %s) outcome %q, want %q", i, c.Source, c.PartnerID, c.Outcome, tt.outcomes[i])
				}
			}
		})
	}
}

func TestOverride(t *testing.T) {
	created := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	at := created.Add(48 * time.Hour)
	s := Signup{CustomerID: "cus_1", Email: "carol@example.com", CreatedAt: created}
	won := Decide(s, []Touch{
		{Source: SourceClick, PartnerID: "pt_a", At: created.Add(-time.Hour)},
		{Source: SourceCode, PartnerID: "pt_b", At: created},
	}, 90*24*time.Hour)
	manual := Candidate{Source: SourceManual, PartnerID: "pt_c", TouchedAt: at, Outcome: OutcomeWon, By: "admin-1", Note: "signed at a fair"}
	tests := []struct {
		name string
		from Decision
		want []string // outcomes, in order
	}{
		{"attributed", won, []string{OutcomeOverridden, OutcomeLater, OutcomeWon}},
		{"not attributed", Decide(s, nil, time.Hour), []string{OutcomeWon}},
		{"overridden twice", Override(won, "pt_d", "admin-2", "first", created), []string{OutcomeOverridden, OutcomeLater, OutcomeOverridden, OutcomeWon}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Override(tt.from, "pt_c", "admin-1", "signed at a fair", at)
			if !got.Attributed || got.PartnerID != "pt_c" || got.Source != SourceManual || !got.TouchedAt.Equal(at) || got.Reason != "" || got.CustomerID != "cus_1" {
				t.Errorf("decision = %+v", got)
			}
			var outcomes []string
			for _, c := range got.Candidates {
				outcomes = append(outcomes, c.Outcome)
			}
			if fmt.Sprint(outcomes) != fmt.Sprint(tt.want) {
				t.Errorf("outcomes = %v, want %v", outcomes, tt.want)
			}
			if last := got.Candidates[len(got.Candidates)-1]; last != manual {
				t.Errorf("override candidate = %+v, want %+v", last, manual)
			}
		})
	}
}

// A partner's own user (its customer id is the partner's JWT subject)
// signing up through that partner's link or code is a self-referral too,
// whatever email it signs up with.
func TestOwnUserIsSelfReferral(t *testing.T) {
	created := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	s := Signup{CustomerID: "user-1", Email: "other@example.com", CreatedAt: created, AsPartner: "pt_own"}
	d := Decide(s, []Touch{{Source: SourceCode, PartnerID: "pt_own", PartnerEmail: "jane@example.com", At: created}}, 90*24*time.Hour)
	if d.Attributed || d.Reason != ReasonSelfReferral || len(d.Candidates) != 1 || d.Candidates[0].Outcome != OutcomeSelfReferral {
		t.Errorf("own code: %+v, want a self-referral", d)
	}
	// Through another partner it is a recruit, not a self-referral.
	d = Decide(s, []Touch{{Source: SourceCode, PartnerID: "pt_other", At: created}}, 90*24*time.Hour)
	if !d.Attributed || d.PartnerID != "pt_other" {
		t.Errorf("other's code: %+v, want pt_other", d)
	}
}
