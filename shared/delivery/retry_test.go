package delivery_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/events"
	"partnerkit/shared/hooks"
	"partnerkit/shared/partner"
)

// flaky is a receiver that refuses the events of the partners in fail.
type flaky struct {
	mu   sync.Mutex
	fail map[string]bool
	got  []string // ids accepted, in order
	hits atomic.Int64
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.hits.Add(1)
	var e events.Event
	body, _ := io.ReadAll(r.Body)
	json.Unmarshal(body, &e)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail[e.PartnerID] {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	f.got = append(f.got, e.ID)
}

func enroll(t *testing.T, st *dynamo.Store, id string, at time.Time) partner.Partner {
	t.Helper()
	p := partner.Partner{ID: id, Code: id, Subject: "sub-" + id, Status: partner.StatusActive, CreatedAt: at}
	if _, _, err := st.CreatePartner(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFailingEndpointIsDisabledAndResumesInOrder(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		c := newClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
		st := dynamo.New(b.Client, b.Table).WithClock(c.Now)
		f := &flaky{fail: map[string]bool{"pt_a": true}}
		srv := httptest.NewServer(f)
		defer srv.Close()
		ep := addEndpoint(t, st, srv.URL, c.Now())
		enroll(t, st, "pt_a", c.Now())
		c.Add(time.Second)
		if _, err := st.SetPartnerStatus(ctx, "pt_a", partner.StatusSuspended); err != nil {
			t.Fatal(err)
		}
		w := newWorker(st, c)
		for end := c.Now().Add(25 * time.Hour); c.Now().Before(end); c.Add(10 * time.Minute) {
			if _, err := w.Drain(ctx); err != nil {
				t.Fatal(err)
			}
		}
		got, err := st.Endpoint(ctx, ep.ID)
		if err != nil || got.Status != hooks.StatusDisabled || got.DisabledReason != hooks.DisabledFailing {
			t.Fatalf("after a day of failures the endpoint is %+v, %v; want disabled (failing)", got, err)
		}
		log, _, _ := st.Deliveries(ctx, ep.ID, dynamo.Page{Limit: 10})
		byType := map[string]hooks.Delivery{}
		for _, d := range log {
			byType[d.EventType] = d
		}
		first, second := byType[events.PartnerEnrolled], byType[events.PartnerSuspended]
		if first.Attempts < 5 || first.Status != hooks.DeliveryPending || first.LastCode != http.StatusServiceUnavailable {
			t.Errorf("the failing delivery: %+v", first)
		}
		// In order: the later event of the partner waited.
		if second.Attempts != 0 || second.Status != hooks.DeliveryPending {
			t.Errorf("the later event was attempted while the earlier one was retried: %+v", second)
		}
		// Disabled, nothing is attempted.
		hits := f.hits.Load()
		c.Add(time.Hour)
		w.Drain(ctx)
		if f.hits.Load() != hits {
			t.Errorf("a disabled endpoint got %d requests", f.hits.Load()-hits)
		}
		// The receiver is fixed and an admin re-enables the endpoint: both
		// events arrive, in order.
		f.mu.Lock()
		f.fail = nil
		f.mu.Unlock()
		got.Status, got.DisabledReason, got.FailingSince = hooks.StatusEnabled, "", time.Time{}
		prev := got.UpdatedAt
		got.UpdatedAt = c.Now()
		if err := st.PutEndpoint(ctx, got, false, prev); err != nil {
			t.Fatal(err)
		}
		for range 20 {
			c.Add(10 * time.Minute)
			w.Drain(ctx)
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.got) != 2 || f.got[0] != first.EventID || f.got[1] != second.EventID {
			t.Errorf("after re-enabling, received %v, want %s then %s", f.got, first.EventID, second.EventID)
		}
	})
}

func TestDeliveryFailsAfterThreeDaysAndTheQueueMovesOn(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		c := newClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
		st := dynamo.New(b.Client, b.Table).WithClock(c.Now)
		f := &flaky{fail: map[string]bool{"pt_a": true}}
		srv := httptest.NewServer(f)
		defer srv.Close()
		ep := addEndpoint(t, st, srv.URL, c.Now())
		enroll(t, st, "pt_a", c.Now())
		c.Add(time.Second)
		st.SetPartnerStatus(ctx, "pt_a", partner.StatusSuspended)
		w := newWorker(st, c)
		// Another partner's deliveries keep succeeding, so the endpoint is
		// not failing as a whole and stays enabled.
		n := 0
		for end := c.Now().Add(hooks.RetryFor + 6*time.Hour); c.Now().Before(end); c.Add(15 * time.Minute) {
			if c.Now().Minute() == 0 && c.Now().Hour()%3 == 0 {
				n++
				enroll(t, st, "pt_b"+string(rune('a'+n%26))+string(rune('a'+n/26)), c.Now())
			}
			if _, err := w.Drain(ctx); err != nil {
				t.Fatal(err)
			}
		}
		got, _ := st.Endpoint(ctx, ep.ID)
		if got.Status != hooks.StatusEnabled {
			t.Fatalf("endpoint %+v, want enabled: other deliveries succeed", got)
		}
		log, _, _ := st.Deliveries(ctx, ep.ID, dynamo.Page{Limit: 1000})
		var failed, behind hooks.Delivery
		for _, d := range log {
			if d.PartnerID == "pt_a" && d.EventType == events.PartnerEnrolled {
				failed = d
			}
			if d.PartnerID == "pt_a" && d.EventType == events.PartnerSuspended {
				behind = d
			}
		}
		if failed.Status != hooks.DeliveryFailed || failed.LastAttempt.Sub(failed.FirstAttempt) > hooks.RetryFor || failed.LastAttempt.Sub(failed.FirstAttempt) < hooks.RetryFor-hooks.RetryCap {
			t.Errorf("after three days the first delivery is %+v", failed)
		}
		t.Logf("failed after %d attempts over %v", failed.Attempts, failed.LastAttempt.Sub(failed.FirstAttempt))
		if behind.Attempts == 0 {
			t.Errorf("the next event of the partner was never attempted once the first failed: %+v", behind)
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.got) != n {
			t.Errorf("the other partners' %d events: %d arrived", n, len(f.got))
		}
	})
}
