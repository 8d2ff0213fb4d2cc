package validate

import (
	"errors"
	"time"
)

// Bounds of a webhook's business time (created_at, paid_at, refunded_at)
// around the time it is received: clocks differ by minutes, not days, and
// a time far back or ahead is a sender's bug, which would file a signup or
// a line under a month no close reaches.
const (
	// MaxAgeYears is how many years back a time may be.
	MaxAgeYears = 10
	// MaxAhead is how far ahead of now a time may be.
	MaxAhead = 24 * time.Hour
)

// ErrTime is returned for a time outside the accepted window.
var ErrTime = errors.New("must be within the last 10 years and at most a day ahead")

// TimeRule says the time rule in words, for error messages.
const TimeRule = "within the last 10 years and at most a day ahead"

// RecentTime checks that t lies within the last MaxAgeYears years before
// now and at most MaxAhead after it, both ends included.
func RecentTime(t, now time.Time) error {
	if t.Before(now.AddDate(-MaxAgeYears, 0, 0)) || t.After(now.Add(MaxAhead)) {
		return ErrTime
	}
	return nil
}
