package signup

import (
	"partnerkit/shared/attribution"
	"partnerkit/shared/dynamo"
)

// Response is the signup webhook's answer (contract section 4); with
// candidates it is also the admin's GET /customers/{id}/attribution.
type Response struct {
	CustomerID string `json:"customer_id"`
	Attributed bool   `json:"attributed"`
	PartnerID  string `json:"partner_id,omitempty"`
	Source     string `json:"source,omitempty"`
	TouchedAt  string `json:"touched_at,omitempty"`
	Reason     string `json:"reason,omitempty"`
	// The winning click's promo link and sub-id, in the admin's evidence.
	LinkID     string       `json:"link_id,omitempty"`
	Sid        string       `json:"sid,omitempty"`
	Candidates *[]Candidate `json:"candidates,omitempty"`
}

// Candidate is one touch the decision considered and its outcome.
type Candidate struct {
	Source    string `json:"source"`
	PartnerID string `json:"partner_id"`
	TouchedAt string `json:"touched_at"`
	Outcome   string `json:"outcome"`
	By        string `json:"by,omitempty"`      // an admin's override: who
	Note      string `json:"note,omitempty"`    // and why
	LinkID    string `json:"link_id,omitempty"` // a click's promo link
	Sid       string `json:"sid,omitempty"`     // a click's sub-id
}

// Result renders a decision, with its candidates when asked (an empty
// list then shows as []).
func Result(d attribution.Decision, withCandidates bool) Response {
	r := Response{CustomerID: d.CustomerID, Attributed: d.Attributed, Reason: d.Reason}
	if d.Attributed {
		r.PartnerID, r.Source, r.TouchedAt = d.PartnerID, d.Source, d.TouchedAt.UTC().Format(dynamo.TimeFormat)
	}
	if withCandidates {
		if d.Attributed {
			r.LinkID, r.Sid = d.LinkID, d.Sid
		}
		// Shown even when empty: "[]" says no touch was found.
		cands := make([]Candidate, 0, len(d.Candidates))
		for _, c := range d.Candidates {
			cands = append(cands, Candidate{
				Source: c.Source, PartnerID: c.PartnerID, TouchedAt: c.TouchedAt.UTC().Format(dynamo.TimeFormat), Outcome: c.Outcome,
				By: c.By, Note: c.Note, LinkID: c.LinkID, Sid: c.Sid,
			})
		}
		r.Candidates = &cands
	}
	return r
}
