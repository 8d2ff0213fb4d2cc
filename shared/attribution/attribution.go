// Package attribution decides which partner gets the credit for a new
// customer (contract section 4): the earliest touch in the window that is
// not a self-referral and not of a suspended partner wins; ties go to a click, then an invite, then a
// typed code. It is pure: the store gathers the touches and keeps the result.
package attribution

import (
	"sort"
	"time"
)

// Touch sources, in tie-break order.
const (
	SourceClick  = "click"
	SourceInvite = "invite"
	SourceCode   = "code"
	// SourceManual is an admin's override (contract section 9); it is
	// never a touch and takes no part in Decide.
	SourceManual = "manual"
)

// Candidate outcomes.
const (
	OutcomeWon          = "won"
	OutcomeLater        = "later"
	OutcomeOutOfWindow  = "out_of_window"
	OutcomeSelfReferral = "self_referral"
	OutcomeSuspended    = "suspended"
	// OutcomeOverridden marks the candidate that had won before an
	// admin's override.
	OutcomeOverridden = "overridden"
)

// Reasons a customer is not attributed.
const (
	ReasonNoTouch      = "no_touch"
	ReasonOutOfWindow  = "out_of_window"
	ReasonSelfReferral = "self_referral"
	ReasonSuspended    = "partner_suspended"
)

var sourceRank = map[string]int{SourceClick: 0, SourceInvite: 1, SourceCode: 2}

// Signup is the customer being attributed.
type Signup struct {
	CustomerID string
	Email      string // normalized
	CreatedAt  time.Time
	// AsPartner is the partner the customer already enrolled as, if any:
	// its recruiter is the partner this signup is attributed to, and its
	// own touches are self-referrals.
	AsPartner string
}

// Touch is one way a partner reached the customer before the decision.
type Touch struct {
	Source       string
	PartnerID    string
	PartnerEmail string // normalized; the partner's own address, for self-referrals
	// Suspended is true when the partner is suspended as the decision is
	// made: a suspension stops earlier clicks and invites from winning too.
	Suspended bool
	At        time.Time
	// LinkID and Sid name the promo link ("" for the code itself) and
	// sub-id a click came through, kept as evidence and for reporting.
	LinkID string
	Sid    string
}

// Candidate is a touch as the decision saw it, with why it won or lost.
type Candidate struct {
	Source    string
	PartnerID string
	TouchedAt time.Time
	Outcome   string
	By        string // an override's admin (JWT sub)
	Note      string // an override's reason, as the admin wrote it
	LinkID    string // a click's promo link ("" for the code itself)
	Sid       string // a click's sub-id
}

// Decision is the attribution of one customer; it never changes once stored.
type Decision struct {
	CustomerID string
	Attributed bool
	PartnerID  string // when Attributed
	Source     string // when Attributed
	TouchedAt  time.Time
	Reason     string // when not Attributed
	// LinkID and Sid are the winning touch's link and sub-id, when
	// Attributed through a click.
	LinkID string
	Sid    string
	// Upline is the partner who recruited PartnerID, when Attributed: it
	// earns the second tier on this customer's payments.
	Upline     string
	Candidates []Candidate
}

// Decide applies the rules to the touches found for s. Touches timed after
// CreatedAt still count (clocks differ); touches more than window before it
// are out of window.
func Decide(s Signup, touches []Touch, window time.Duration) Decision {
	sorted := append([]Touch(nil), touches...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if !sorted[i].At.Equal(sorted[j].At) {
			return sorted[i].At.Before(sorted[j].At)
		}
		return sourceRank[sorted[i].Source] < sourceRank[sorted[j].Source]
	})
	d := Decision{CustomerID: s.CustomerID}
	earliest := s.CreatedAt.Add(-window)
	self, suspended, outOfWindow := false, false, false
	for _, t := range sorted {
		c := Candidate{Source: t.Source, PartnerID: t.PartnerID, TouchedAt: t.At, LinkID: t.LinkID, Sid: t.Sid}
		switch {
		case t.PartnerEmail != "" && t.PartnerEmail == s.Email, s.AsPartner != "" && t.PartnerID == s.AsPartner:
			// The partner's own address, or its own user under another one.
			c.Outcome, self = OutcomeSelfReferral, true
		case t.Suspended:
			c.Outcome, suspended = OutcomeSuspended, true
		case t.At.Before(earliest):
			c.Outcome, outOfWindow = OutcomeOutOfWindow, true
		case !d.Attributed:
			c.Outcome = OutcomeWon
			d.Attributed, d.PartnerID, d.Source, d.TouchedAt = true, t.PartnerID, t.Source, t.At
			d.LinkID, d.Sid = t.LinkID, t.Sid
		default:
			c.Outcome = OutcomeLater
		}
		d.Candidates = append(d.Candidates, c)
	}
	switch {
	case d.Attributed:
	case self:
		d.Reason = ReasonSelfReferral
	case suspended:
		d.Reason = ReasonSuspended
	case outOfWindow:
		d.Reason = ReasonOutOfWindow
	default:
		d.Reason = ReasonNoTouch
	}
	return d
}

// Override returns d as an admin's override leaves it: attributed to
// partnerID with source manual from at on, the candidate that had won
// marked overridden, and the override appended as the winning candidate
// with who made it and why. Every earlier candidate stays as evidence.
func Override(d Decision, partnerID, by, note string, at time.Time) Decision {
	out := Decision{
		CustomerID: d.CustomerID, Attributed: true, PartnerID: partnerID,
		Source: SourceManual, TouchedAt: at,
		Candidates: make([]Candidate, 0, len(d.Candidates)+1),
	}
	for _, c := range d.Candidates {
		if c.Outcome == OutcomeWon {
			c.Outcome = OutcomeOverridden
		}
		out.Candidates = append(out.Candidates, c)
	}
	out.Candidates = append(out.Candidates, Candidate{
		Source: SourceManual, PartnerID: partnerID, TouchedAt: at, Outcome: OutcomeWon, By: by, Note: note,
	})
	return out
}
