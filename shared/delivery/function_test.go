package delivery_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
)

// streamRecord is how the table's stream (through the template's filter)
// hands the events function a new outbox item.
func streamRecord(t *testing.T, o dynamo.Outbox) json.RawMessage {
	t.Helper()
	var evs []map[string]string
	for _, e := range o.Events {
		raw, _ := json.Marshal(e)
		evs = append(evs, map[string]string{"S": string(raw)})
	}
	rec := map[string]any{"Records": []any{map[string]any{
		"eventID": "1", "eventName": "INSERT", "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
		"dynamodb": map[string]any{
			"Keys":           map[string]any{"pk": map[string]string{"S": "OUTBOX#" + o.ID}, "sk": map[string]string{"S": "OUTBOX"}},
			"NewImage":       map[string]any{"pk": map[string]string{"S": "OUTBOX#" + o.ID}, "sk": map[string]string{"S": "OUTBOX"}, "events": map[string]any{"L": evs}, "created_at": map[string]string{"S": "2026-03-01T00:00:00.000Z"}},
			"StreamViewType": "NEW_IMAGE", "SequenceNumber": "100", "SizeBytes": 100,
		},
	}}}
	raw, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestEventsFunctionTakesStreamRecordsAndTheSchedule(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		c := newClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
		st := dynamo.New(b.Client, b.Table).WithClock(c.Now)
		f := &flaky{}
		srv := httptest.NewServer(f)
		defer srv.Close()
		addEndpoint(t, st, srv.URL, c.Now())
		enroll(t, st, "pt_a", c.Now())
		enroll(t, st, "pt_b", c.Now())
		pending, err := st.PendingOutbox(ctx, c.Now().Add(time.Hour), 10)
		if err != nil || len(pending) != 2 {
			t.Fatalf("outbox: %d items, %v", len(pending), err)
		}
		w := newWorker(st, c)
		// The stream brings the first item: it is dispatched and delivered.
		res, err := w.Invoke(ctx, streamRecord(t, pending[0]))
		if err != nil || res.Dispatched != 1 || res.Attempted != 1 {
			t.Fatalf("stream invocation: %+v, %v", res, err)
		}
		// The second never came through the stream. The minute's schedule
		// leaves it to the stream while it is young, then sweeps it.
		if res, err := w.Invoke(ctx, json.RawMessage(`{}`)); err != nil || res.Dispatched != 0 {
			t.Fatalf("schedule, young item: %+v, %v", res, err)
		}
		c.Add(3 * time.Minute)
		if res, err := w.Invoke(ctx, json.RawMessage(`{}`)); err != nil || res.Dispatched != 1 || res.Attempted != 1 {
			t.Fatalf("schedule, old item: %+v, %v", res, err)
		}
		// A stream record delivered again sends nothing twice.
		if res, err := w.Invoke(ctx, streamRecord(t, pending[0])); err != nil || res.Attempted != 0 {
			t.Fatalf("stream record again: %+v, %v", res, err)
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.got) != 2 || f.got[0] == f.got[1] {
			t.Errorf("received %v, want both events once", f.got)
		}
	})
}
