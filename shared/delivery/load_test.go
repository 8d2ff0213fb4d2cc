package delivery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/events"
	"partnerkit/shared/hooks"
	"partnerkit/shared/ledger"
)

// slowReceiver takes 20 ms per request and refuses the first refusals of
// them, then accepts everything, counting each id it accepts.
type slowReceiver struct {
	refusals int64
	seen     atomic.Int64
	mu       sync.Mutex
	accepted map[string]int
	order    map[string]string // partner → created_at of its last accepted event
	outOfOrd int
}

func (s *slowReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	time.Sleep(20 * time.Millisecond)
	body, _ := io.ReadAll(r.Body)
	if s.seen.Add(1) <= s.refusals {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	var full events.Event
	json.Unmarshal(body, &full)
	created := full.CreatedAt.UTC().Format(dynamo.TimeFormat)
	s.mu.Lock()
	s.accepted[full.ID]++
	if created < s.order[full.PartnerID] {
		s.outOfOrd++
	}
	s.order[full.PartnerID] = created
	s.mu.Unlock()
}

// TestTenThousandEventsToASlowReceiver loads 10,000 events of 100
// partners into the outbox and delivers them to a receiver that answers
// slowly and refuses the first 500 requests: every event arrives once,
// in order per partner, well within the retry schedule (on the injected
// clock), and the worker's heap stays flat (it holds a bounded batch,
// never the backlog). It runs on DynamoDB Local, so the heap measured is
// the worker's, not an in-process store's.
func TestTenThousandEventsToASlowReceiver(t *testing.T) {
	b := dynamotest.DynamoDBLocal(t)
	ctx := context.Background()
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	c := newClock(start)
	st := dynamo.New(b.Client, b.Table).WithClock(c.Now)
	rcv := &slowReceiver{refusals: 500, accepted: map[string]int{}, order: map[string]string{}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	addEndpoint(t, st, srv.URL, c.Now())

	const total, partners, perItem = 10000, 100, 100
	var reqs []types.WriteRequest
	flush := func() {
		for len(reqs) > 0 {
			out, err := b.Client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{b.Table: reqs}})
			if err != nil {
				t.Fatal(err)
			}
			reqs = out.UnprocessedItems[b.Table]
		}
	}
	var batch []events.Event
	for i := range total {
		l := ledger.Line{ID: fmt.Sprintf("c_pay_%05d", i), Kind: ledger.KindCommission, PartnerID: fmt.Sprintf("pt_%03d", i%partners),
			PaymentID: fmt.Sprintf("pay_%05d", i), CustomerID: "cus_1", Currency: "USD", Amount: 250, At: start.UnixMilli()}
		batch = append(batch, events.Line(l, start.Add(time.Duration(i)*time.Millisecond)))
		if len(batch) == perItem {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: dynamo.OutboxItem(batch)}})
			batch = nil
			if len(reqs) == 25 {
				flush()
			}
		}
	}
	flush()

	w := newWorker(st, c)
	w.Parallel = 32
	var ms runtime.MemStats
	heap := func() uint64 {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	base := heap()
	// The live heap (as of each GC) is sampled during the rounds too, not
	// only between them.
	var livePeak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > livePeak.Load() {
				livePeak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	var peak uint64
	var samples []uint64
	rounds := 0
	for {
		rounds++
		if _, err := w.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		h := heap()
		samples = append(samples, h)
		peak = max(peak, h)
		rcv.mu.Lock()
		done := len(rcv.accepted)
		rcv.mu.Unlock()
		if done == total {
			break
		}
		if c.Now().Sub(start) > hooks.RetryFor {
			t.Fatalf("after the whole retry schedule, %d of %d events arrived", done, total)
		}
		c.Add(5 * time.Minute)
	}
	close(stop)
	<-sampled
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	for id, n := range rcv.accepted {
		if n != 1 {
			t.Errorf("event %s accepted %d times", id, n)
		}
	}
	if rcv.outOfOrd > 0 {
		t.Errorf("%d events arrived before an earlier one of their partner", rcv.outOfOrd)
	}
	elapsed := c.Now().Sub(start)
	t.Logf("%d events, %d requests (%d refused), %d drain rounds, %v of injected time", total, rcv.seen.Load(), rcv.refusals, rounds, elapsed)
	t.Logf("heap: %d KiB before, %d KiB peak after a round, rounds' samples (KiB): first %d, middle %d, last %d",
		base>>10, peak>>10, samples[0]>>10, samples[len(samples)/2]>>10, samples[len(samples)-1]>>10)
	t.Logf("live heap peak during the rounds: %d KiB", livePeak.Load()>>10)
	// Flat: the worker holds one bounded batch at a time, never the backlog.
	if peak > base+32<<20 || livePeak.Load() > base+32<<20 {
		t.Errorf("heap grew from %d KiB to %d KiB (live peak %d KiB)", base>>10, peak>>10, livePeak.Load()>>10)
	}
	if elapsed > 24*time.Hour {
		t.Errorf("took %v of injected time; the backoff after 500 refusals should not need a day", elapsed)
	}
}
