// Package backoff waits between retries of a write that lost a race:
// exponential with full jitter, so racing writers spread out, and bounded
// by the request's deadline, so a retry never outlives its caller.
package backoff

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// ErrContended is returned (wrapped) when a write kept losing races with
// concurrent writers until the retry budget or the deadline ran out. The
// caller may retry later; handlers answer 429 rate_limited.
var ErrContended = errors.New("backoff: write kept losing to concurrent writes")

// Policy is a retry budget: at most Attempts tries, the n-th wait drawn
// uniformly from [0, min(Base·2ⁿ, Max)).
type Policy struct {
	Attempts int
	Base     time.Duration
	Max      time.Duration
}

// Default suits a contended DynamoDB item: about 1.3 s of waiting at most.
var Default = Policy{Attempts: 8, Base: 10 * time.Millisecond, Max: 400 * time.Millisecond}

// Wait sleeps before try number attempt+1 (attempt counts from 0 for the
// first retry). It returns ErrContended when the budget is spent, or when
// the wait would end past ctx's deadline, and ctx's error if ctx ends
// while waiting.
func (p Policy) Wait(ctx context.Context, attempt int) error {
	if attempt+1 >= p.Attempts {
		return ErrContended
	}
	ceiling := p.Base << min(attempt, 30)
	if ceiling <= 0 || ceiling > p.Max {
		ceiling = p.Max
	}
	d := time.Duration(rand.Int64N(int64(ceiling) + 1))
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		return ErrContended
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
