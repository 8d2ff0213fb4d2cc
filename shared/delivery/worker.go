package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/events"
	"partnerkit/shared/hooks"
)

// Store is what delivery needs of the store.
type Store interface {
	PendingOutbox(ctx context.Context, before time.Time, limit int) ([]dynamo.Outbox, error)
	DeleteOutbox(ctx context.Context, id string) error
	Endpoints(ctx context.Context) ([]hooks.Endpoint, error)
	Endpoint(ctx context.Context, id string) (hooks.Endpoint, error)
	Enqueue(ctx context.Context, ep string, e events.Event, now time.Time) (bool, error)
	DueQueues(ctx context.Context, now time.Time, limit int) ([]dynamo.QueueRef, error)
	ClaimQueue(ctx context.Context, q dynamo.QueueRef, now, until time.Time) (dynamo.Lease, error)
	FirstDelivery(ctx context.Context, l dynamo.Lease) (hooks.Delivery, bool, error)
	ReleaseEmpty(ctx context.Context, l dynamo.Lease) (bool, error)
	Release(ctx context.Context, l dynamo.Lease) error
	Attempted(ctx context.Context, l dynamo.Lease, d hooks.Delivery, now time.Time) error
	Defer(ctx context.Context, l dynamo.Lease, next time.Time) error
	DropDelivery(ctx context.Context, l dynamo.Lease, d hooks.Delivery) error
	EndpointFailed(ctx context.Context, id string, now time.Time) (hooks.Endpoint, error)
	EndpointSucceeded(ctx context.Context, id string) error
}

var _ Store = (*dynamo.Store)(nil)

// Consumer takes the events of an outbox item besides the webhooks (the
// partner emails); it must drop events it already took, by id.
type Consumer func(ctx context.Context, evs []events.Event) error

// Worker dispatches outbox items and attempts due deliveries.
type Worker struct {
	Store  Store
	Sender Sender
	Now    func() time.Time
	// Rand draws the jitter of retries from [0, n); nil uses math/rand.
	Rand func(n int64) int64
	// Consumers also take every outbox item's events before it is removed.
	Consumers []Consumer
	Log       *slog.Logger
	// Lease is how long a worker holds a queue (default 2 minutes); it
	// stops taking a queue's next delivery after half of it.
	Lease time.Duration
	// DisabledRecheck is how often a disabled endpoint's queues are looked
	// at again (default 10 minutes).
	DisabledRecheck time.Duration
	// Parallel is how many outbox items and queues are worked at once
	// (default 8); a queue's own deliveries always go one at a time.
	Parallel int
	// AfterDispatch, when set, runs between enqueueing an outbox item's
	// deliveries and removing the item: tests crash there.
	AfterDispatch func(o dynamo.Outbox) error
}

func (w *Worker) lease() time.Duration {
	if w.Lease > 0 {
		return w.Lease
	}
	return 2 * time.Minute
}

func (w *Worker) recheck() time.Duration {
	if w.DisabledRecheck > 0 {
		return w.DisabledRecheck
	}
	return 10 * time.Minute
}

func (w *Worker) parallel() int {
	if w.Parallel > 0 {
		return w.Parallel
	}
	return 8
}

// each runs f on every element of items, w.parallel() at a time, and
// returns the number that succeeded and their errors joined.
func each[T any](w *Worker, items []T, f func(T) (int, error)) (int, error) {
	var (
		mu    sync.Mutex
		total int
		errs  []error
		wg    sync.WaitGroup
	)
	sem := make(chan struct{}, w.parallel())
	for _, it := range items {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			n, err := f(it)
			mu.Lock()
			total += n
			if err != nil {
				errs = append(errs, err)
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return total, errors.Join(errs...)
}

func (w *Worker) log() *slog.Logger {
	if w.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return w.Log
}

// Dispatch enqueues every event of o for every endpoint that takes it,
// hands the events to the consumers, and then removes o. Run again on the
// same item (a stream record delivered twice, a crash before the
// removal), it enqueues nothing twice.
func (w *Worker) Dispatch(ctx context.Context, o dynamo.Outbox) error {
	eps, err := w.Store.Endpoints(ctx)
	if err != nil {
		return err
	}
	now := w.Now()
	for _, e := range o.Events {
		for _, ep := range eps {
			if !ep.Wants(e.Type) || e.Type == events.TestType {
				continue
			}
			if _, err := w.Store.Enqueue(ctx, ep.ID, e, now); err != nil {
				return err
			}
		}
	}
	for _, c := range w.Consumers {
		if err := c(ctx, o.Events); err != nil {
			return err
		}
	}
	if w.AfterDispatch != nil {
		if err := w.AfterDispatch(o); err != nil {
			return err
		}
	}
	return w.Store.DeleteOutbox(ctx, o.ID)
}

// Sweep dispatches outbox items recorded before now-age, up to limit,
// and returns how many it dispatched.
func (w *Worker) Sweep(ctx context.Context, age time.Duration, limit int) (int, error) {
	items, err := w.Store.PendingOutbox(ctx, w.Now().Add(-age), limit)
	if err != nil {
		return 0, err
	}
	return each(w, items, func(o dynamo.Outbox) (int, error) {
		if err := w.Dispatch(ctx, o); err != nil {
			return 0, err
		}
		return 1, nil
	})
}

// Work attempts the queues due now, up to limit of them, and returns how
// many deliveries it attempted.
func (w *Worker) Work(ctx context.Context, limit int) (int, error) {
	qs, err := w.Store.DueQueues(ctx, w.Now(), limit)
	if err != nil {
		return 0, err
	}
	return each(w, qs, func(q dynamo.QueueRef) (int, error) { return w.WorkQueue(ctx, q) })
}

// WorkQueue leases one queue and attempts its deliveries in order until
// one fails (it is retried later, and those behind it wait), the queue is
// empty, or half the lease is spent. It returns the attempts made.
func (w *Worker) WorkQueue(ctx context.Context, q dynamo.QueueRef) (int, error) {
	start := w.Now()
	l, err := w.Store.ClaimQueue(ctx, q, start, start.Add(w.lease()))
	if errors.Is(err, dynamo.ErrLeased) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	attempts := 0
	// Read once per lease: an admin's change applies from the next one.
	ep, epErr := w.Store.Endpoint(ctx, q.EndpointID)
	for {
		if ctx.Err() != nil || w.Now().Sub(start) > w.lease()/2 {
			return attempts, w.Store.Release(ctx, l)
		}
		d, ok, err := w.Store.FirstDelivery(ctx, l)
		if err != nil {
			return attempts, errors.Join(err, w.Store.Release(ctx, l))
		}
		if !ok {
			_, err := w.Store.ReleaseEmpty(ctx, l)
			return attempts, err
		}
		err = epErr
		if errors.Is(err, dynamo.ErrNotFound) {
			// The endpoint was deleted: its waiting deliveries go with it.
			if err := w.Store.DropDelivery(ctx, l, d); err != nil {
				return attempts, errors.Join(err, w.Store.Release(ctx, l))
			}
			continue
		}
		if err != nil {
			return attempts, errors.Join(err, w.Store.Release(ctx, l))
		}
		if ep.Status != hooks.StatusEnabled {
			return attempts, errors.Join(w.Store.Defer(ctx, l, w.Now().Add(w.recheck())), w.Store.Release(ctx, l))
		}
		attempts++
		ok, err = w.attempt(ctx, l, ep, d)
		// A success ended the endpoint's failing streak.
		ep.FailingSince = time.Time{}
		if err != nil || !ok {
			return attempts, errors.Join(err, w.Store.Release(ctx, l))
		}
	}
}

// attempt sends d once and records the outcome; it reports whether the
// queue may go on to its next delivery.
func (w *Worker) attempt(ctx context.Context, l dynamo.Lease, ep hooks.Endpoint, d hooks.Delivery) (bool, error) {
	now := w.Now()
	// The signature's timestamp is the wall clock's: receivers compare it
	// with theirs to refuse replays, whatever clock schedules retries.
	headers, err := hooks.Sign(d.EventID, time.Now(), d.Body, ep.Secrets(now))
	if err != nil {
		return false, err
	}
	res := w.Sender.Send(ctx, ep.URL, headers, d.Body)
	now = w.Now()
	d.Attempts++
	if d.FirstAttempt.IsZero() {
		d.FirstAttempt = now
	}
	d.LastAttempt, d.LastCode, d.LastError, d.LastLatency = now, res.Code, res.Err, res.Latency
	if res.OK() {
		d.Status, d.DeliveredAt, d.NextAttempt = hooks.DeliveryDelivered, now, time.Time{}
		if err := w.Store.Attempted(ctx, l, d, now); err != nil {
			return false, err
		}
		if !ep.FailingSince.IsZero() {
			return true, w.Store.EndpointSucceeded(ctx, ep.ID)
		}
		return true, nil
	}
	next, retry := hooks.NextAttempt(d.FirstAttempt, now, d.Attempts, w.Rand)
	if retry {
		d.NextAttempt = next
	} else {
		d.Status, d.NextAttempt = hooks.DeliveryFailed, time.Time{}
		w.log().Warn("delivery failed for good", "endpoint", ep.ID, "event", d.EventID, "attempts", d.Attempts)
	}
	if err := w.Store.Attempted(ctx, l, d, now); err != nil {
		return false, err
	}
	after, err := w.Store.EndpointFailed(ctx, ep.ID, now)
	if err != nil {
		return false, err
	}
	if after.Status == hooks.StatusDisabled && ep.Status == hooks.StatusEnabled {
		w.log().Warn("endpoint disabled after failing for a day", "endpoint", ep.ID, "failing_since", after.FailingSince)
	}
	// A failed-for-good delivery leaves the queue: the next one may go.
	return !retry && after.Status == hooks.StatusEnabled, nil
}

// Drain dispatches the whole outbox and attempts every due queue until
// nothing is left to do now, or ctx ends; it returns the attempts made.
// The local stack runs it in a loop; tests run it with a moving clock.
func (w *Worker) Drain(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := w.Sweep(ctx, 0, 100)
		if err != nil {
			return total, fmt.Errorf("delivery: sweeping the outbox: %w", err)
		}
		a, err := w.Work(ctx, 100)
		total += a
		if err != nil {
			return total, fmt.Errorf("delivery: working queues: %w", err)
		}
		if n == 0 && a == 0 {
			return total, nil
		}
	}
}

// SendNow sends e to ep once, at once, and returns its delivery as
// attempted (a test event: never queued, never retried).
func SendNow(ctx context.Context, s Sender, ep hooks.Endpoint, e events.Event, now time.Time) (hooks.Delivery, error) {
	body, err := json.Marshal(e)
	if err != nil {
		return hooks.Delivery{}, err
	}
	headers, err := hooks.Sign(e.ID, time.Now(), body, ep.Secrets(now))
	if err != nil {
		return hooks.Delivery{}, err
	}
	res := s.Send(ctx, ep.URL, headers, body)
	d := hooks.Delivery{EndpointID: ep.ID, EventID: e.ID, EventType: e.Type, Body: body, CreatedAt: e.CreatedAt,
		Attempts: 1, LastCode: res.Code, LastError: res.Err, LastLatency: res.Latency, FirstAttempt: now, LastAttempt: now,
		Status: hooks.DeliveryFailed}
	if res.OK() {
		d.Status, d.DeliveredAt = hooks.DeliveryDelivered, now
	}
	return d, nil
}
