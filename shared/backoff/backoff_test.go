package backoff

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestWaitSpendsTheBudget(t *testing.T) {
	p := Policy{Attempts: 3, Base: time.Microsecond, Max: time.Microsecond}
	ctx := context.Background()
	for attempt := 0; attempt < 2; attempt++ {
		if err := p.Wait(ctx, attempt); err != nil {
			t.Fatalf("Wait(%d) = %v, want nil", attempt, err)
		}
	}
	if err := p.Wait(ctx, 2); !errors.Is(err, ErrContended) {
		t.Fatalf("Wait past the budget = %v, want ErrContended", err)
	}
}

func TestWaitNeverOutlivesTheDeadline(t *testing.T) {
	p := Policy{Attempts: 100, Base: time.Hour, Max: time.Hour}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := p.Wait(ctx, 5)
	if !errors.Is(err, ErrContended) && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait = %v, want ErrContended or the deadline", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("Wait took %v with a 50 ms deadline", took)
	}
}

func TestWaitStopsWhenCancelled(t *testing.T) {
	p := Policy{Attempts: 100, Base: time.Hour, Max: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Wait(ctx, 0); !errors.Is(err, context.Canceled) && !errors.Is(err, ErrContended) {
		t.Fatalf("Wait on a cancelled context = %v", err)
	}
}
