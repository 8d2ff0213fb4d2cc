package hooks

import (
	"math/rand/v2"
	"time"
)

// The retry schedule of a delivery.
const (
	// RetryFor is how long a delivery is tried before it is marked failed.
	RetryFor = 72 * time.Hour
	// DisableAfter is how long an endpoint may fail every delivery before
	// it is disabled.
	DisableAfter = 24 * time.Hour
	// RetryBase and RetryCap shape the backoff: the wait before retry n is
	// drawn uniformly from [RetryMin, min(RetryBase·2ⁿ⁻¹, RetryCap)).
	RetryBase = 10 * time.Second
	RetryCap  = 4 * time.Hour
	RetryMin  = time.Second
)

// NextAttempt returns when to try a delivery again after its attempts-th
// failed attempt, first attempted at first (exponential backoff with full
// jitter; rnd draws from [0, n)), and false when it has been tried for
// RetryFor and is failed. The last retry is never scheduled past the
// deadline.
func NextAttempt(first, now time.Time, attempts int, rnd func(n int64) int64) (time.Time, bool) {
	deadline := first.Add(RetryFor)
	if !now.Before(deadline) {
		return time.Time{}, false
	}
	ceiling := RetryCap
	if attempts <= 30 {
		if c := RetryBase << (attempts - 1); c > 0 && c < RetryCap {
			ceiling = c
		}
	}
	if rnd == nil {
		rnd = rand.Int64N
	}
	wait := max(time.Duration(rnd(int64(ceiling))), RetryMin)
	next := now.Add(wait)
	if next.After(deadline) {
		next = deadline
	}
	return next, true
}

// Disable reports whether an endpoint failing since failingSince is to be
// disabled at now.
func Disable(failingSince, now time.Time) bool {
	return !failingSince.IsZero() && now.Sub(failingSince) >= DisableAfter
}
