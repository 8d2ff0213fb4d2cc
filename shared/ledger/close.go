package ledger

import (
	"sort"
	"strings"
)

// Statement is one partner's statement for one period and currency.
type Statement struct {
	ID        string
	PartnerID string
	Period    string
	Currency  string
	Totals
	Status    string
	Reference string // set when paid
	PaidAt    string
	// Email is the partner's email when the period closed, for payouts;
	// statements closed before it was copied have none.
	Email string
}

// Summary counts what closing a period (or one shard of it) produced.
type Summary struct {
	Partners   int
	Statements int
	Lines      int
}

// StatementID names a statement; its keys derive from it.
func StatementID(period, currency, partnerID string) string {
	return "st_" + period + "_" + currency + "_" + partnerID
}

// ParseStatementID splits a statement id, or reports false.
func ParseStatementID(id string) (period, currency, partnerID string, ok bool) {
	rest, found := strings.CutPrefix(id, "st_")
	if !found || len(rest) < 13 || rest[7] != '_' || rest[11] != '_' {
		return "", "", "", false
	}
	period, currency, partnerID = rest[:7], rest[8:11], rest[12:]
	if _, err := ParsePeriod(period); err != nil || partnerID == "" {
		return "", "", "", false
	}
	return period, currency, partnerID, true
}

// Periods lists the periods from from to to, both included.
func Periods(from, to string) []string {
	f, err1 := ParsePeriod(from)
	t, err2 := ParsePeriod(to)
	if err1 != nil || err2 != nil {
		return nil
	}
	var out []string
	for p := f; !t.Before(p); p = p.Next() {
		out = append(out, p.String())
	}
	return out
}

// Period states of a period being closed; a period without one is open.
const (
	PeriodClosing = "closing"
	PeriodClosed  = "closed"
)

// PeriodInfo is what is known of a period's close.
type PeriodInfo struct {
	State   string // "" while open, PeriodClosing, PeriodClosed
	Summary Summary
	// From is the earliest period whose lines the close of this one swept
	// in (itself when none earlier was open); Into is the period whose
	// close swept this one, when it was not closed on its own.
	From, Into string
}

// State is the ledger-wide state: the last closed period, and the
// earliest bucket that may hold lines not yet in a statement.
type State struct {
	LastClosed string
	Low        string
	// Closing names the latest close begun; while it differs from
	// LastClosed that close is unfinished, and no other may begin, so no
	// line is swept into two statements.
	Closing string
}

// Busy reports whether a close other than of period is unfinished.
func (l State) Busy(period string) bool {
	return l.Closing != "" && l.Closing != l.LastClosed && l.Closing != period
}

// Statements builds one statement per "partner|currency" with new lines or
// a carried balance, sorted by id, and counts them. A partner in
// suspended gets its statements on hold.
func Statements(period string, totals map[string]*Totals, carried map[string]int64, minPayout func(currency string) int64, suspended map[string]bool) ([]Statement, Summary) {
	keys := make(map[string]bool, len(totals)+len(carried))
	for k := range totals {
		keys[k] = true
	}
	for k, v := range carried {
		if v != 0 {
			keys[k] = true
		}
	}
	partners := map[string]bool{}
	var sum Summary
	stmts := make([]Statement, 0, len(keys))
	for k := range keys {
		partner, currency := splitKey(k)
		t := Totals{}
		if tt := totals[k]; tt != nil {
			t = *tt
		}
		t.CarriedIn = carried[k]
		stmts = append(stmts, Statement{
			ID: StatementID(period, currency, partner), PartnerID: partner, Period: period, Currency: currency,
			Totals: t, Status: t.StatusAt(minPayout(currency), suspended[partner]),
		})
		partners[partner] = true
		sum.Lines += t.Lines
	}
	sort.Slice(stmts, func(i, j int) bool { return stmts[i].ID < stmts[j].ID })
	sum.Partners, sum.Statements = len(partners), len(stmts)
	return stmts, sum
}

// splitKey splits a "partner|currency" key.
func splitKey(k string) (partner, currency string) {
	return k[:len(k)-4], k[len(k)-3:]
}
