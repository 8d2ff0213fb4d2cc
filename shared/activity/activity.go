// Package activity is a partner's daily clicks and signups (contract
// section 9): which UTC days a range covers, which days the store keeps a
// count for, and the series the Partner Center charts. It is pure: the
// store keeps one counter per day and hands the counts back by date.
package activity

import (
	"errors"
	"fmt"
	"time"
)

// MaxDays is the longest range one request may ask for, and how many days
// (today included) the store keeps daily counts for.
const MaxDays = 92

// DefaultDays is the range asked for without from and to: the last 30
// days, today included.
const DefaultDays = 30

// ExpireDays is how many days past retention each counter write clears,
// so a counter item holds about MaxDays+ExpireDays days at most even when
// no write happens on some days.
const ExpireDays = 31

// DateFormat is how a day is written in requests and answers.
const DateFormat = "2006-01-02"

// Day is a UTC calendar day: midnight UTC.
type Day = time.Time

// DayOf returns the UTC day of t.
func DayOf(t time.Time) Day {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Kept reports whether the store keeps a count for day as of now: the
// last MaxDays days, and tomorrow (signups may be dated up to a day ahead).
func Kept(day Day, now time.Time) bool {
	today := DayOf(now)
	return !day.Before(today.AddDate(0, 0, -(MaxDays-1))) && !day.After(today.AddDate(0, 0, 1))
}

// Expired returns the days a counter write made on now's day clears:
// the ExpireDays days just past retention, oldest first. Days are
// one apart, so the list is a pure function of today.
func Expired(now time.Time) []Day {
	first := DayOf(now).AddDate(0, 0, -(MaxDays + ExpireDays))
	days := make([]Day, ExpireDays)
	for i := range days {
		days[i] = first.AddDate(0, 0, i)
	}
	return days
}

// Range is an inclusive range of UTC days.
type Range struct {
	From, To Day
}

// ErrRange is wrapped by every refusal of ParseRange.
var ErrRange = errors.New("activity: bad range")

// ParseRange reads the from and to parameters (YYYY-MM-DD, either may be
// empty). Without both it is the DefaultDays days ending today; with only
// one, DefaultDays days from or to it. from after to, malformed dates and
// ranges over MaxDays days are refused.
func ParseRange(from, to string, now time.Time) (Range, error) {
	var r Range
	var err error
	if to != "" {
		if r.To, err = parseDay("to", to); err != nil {
			return Range{}, err
		}
	}
	if from != "" {
		if r.From, err = parseDay("from", from); err != nil {
			return Range{}, err
		}
	}
	switch {
	case from == "" && to == "":
		r.To = DayOf(now)
		r.From = r.To.AddDate(0, 0, -(DefaultDays - 1))
	case from == "":
		r.From = r.To.AddDate(0, 0, -(DefaultDays - 1))
	case to == "":
		r.To = r.From.AddDate(0, 0, DefaultDays-1)
	}
	if r.From.After(r.To) {
		return Range{}, fmt.Errorf("%w: from %s is after to %s", ErrRange, r.From.Format(DateFormat), r.To.Format(DateFormat))
	}
	if r.Len() > MaxDays {
		return Range{}, fmt.Errorf("%w: %d days asked, at most %d", ErrRange, r.Len(), MaxDays)
	}
	return r, nil
}

func parseDay(name, v string) (Day, error) {
	d, err := time.Parse(DateFormat, v)
	if err != nil {
		return Day{}, fmt.Errorf("%w: %s must be a date like 2026-12-03", ErrRange, name)
	}
	return d, nil
}

// Len returns how many days r covers.
func (r Range) Len() int {
	return int(r.To.Sub(r.From).Hours()/24) + 1
}

// Counts are one day's counts.
type Counts struct {
	Clicks  int64
	Signups int64
}

// Point is one day of a series.
type Point struct {
	Date string
	Counts
}

// Series returns one point per day of r, oldest first, zeros included.
// byDate holds the stored counts by date (DateFormat). Days the store no
// longer keeps as of now read as zero, so what stays behind on a counter
// item after retention never shows; a count below zero (a signup moved
// away by an override that was counted before daily counts existed)
// reads as zero too.
func Series(r Range, byDate map[string]Counts, now time.Time) []Point {
	out := make([]Point, 0, r.Len())
	for d := r.From; !d.After(r.To); d = d.AddDate(0, 0, 1) {
		p := Point{Date: d.Format(DateFormat)}
		if Kept(d, now) {
			c := byDate[p.Date]
			p.Clicks, p.Signups = max(c.Clicks, 0), max(c.Signups, 0)
		}
		out = append(out, p)
	}
	return out
}
