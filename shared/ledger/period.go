package ledger

import (
	"errors"
	"fmt"
	"time"
)

// Period is a calendar month in UTC, written YYYY-MM.
type Period struct {
	Year  int
	Month time.Month
}

// ErrPeriod is returned for anything but a valid YYYY-MM.
var ErrPeriod = errors.New(`period must be a month written YYYY-MM, like "2026-10"`)

// ParsePeriod reads "YYYY-MM"; "2026-13" and "26-1" are refused.
func ParsePeriod(s string) (Period, error) {
	if len(s) != 7 || s[4] != '-' {
		return Period{}, ErrPeriod
	}
	t, err := time.Parse("2006-01", s)
	if err != nil || t.Year() < 2000 {
		return Period{}, ErrPeriod
	}
	return Period{Year: t.Year(), Month: t.Month()}, nil
}

// PeriodOf returns the period holding t.
func PeriodOf(t time.Time) Period {
	u := t.UTC()
	return Period{Year: u.Year(), Month: u.Month()}
}

// String returns "YYYY-MM".
func (p Period) String() string { return fmt.Sprintf("%04d-%02d", p.Year, int(p.Month)) }

// Start is the first instant of the period.
func (p Period) Start() time.Time { return time.Date(p.Year, p.Month, 1, 0, 0, 0, 0, time.UTC) }

// End is the first instant after the period.
func (p Period) End() time.Time { return p.Start().AddDate(0, 1, 0) }

// Next is the following month.
func (p Period) Next() Period { return PeriodOf(p.End()) }

// Prev is the previous month.
func (p Period) Prev() Period { return PeriodOf(p.Start().Add(-time.Nanosecond)) }

// Before reports whether p is earlier than q.
func (p Period) Before(q Period) bool { return p.Start().Before(q.Start()) }

// MonthsBetween counts whole months from a to b (b after a), as
// COMMISSION_MONTHS counts them: a payment earns while it is fewer than
// that many months after the customer's created_at.
func MonthsBetween(a, b time.Time) int {
	a, b = a.UTC(), b.UTC()
	m := (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
	if b.Before(a.AddDate(0, m, 0)) {
		m--
	}
	return m
}

// Earns reports whether a payment at paidAt still earns commission for a
// customer who signed up at createdAt: always when months is 0
// (COMMISSION_MONTHS unset), else while fewer than months have passed.
func Earns(createdAt, paidAt time.Time, months int) bool {
	return months == 0 || MonthsBetween(createdAt, paidAt) < months
}
