package notify

import (
	"context"
	"testing"
	"time"

	"partnerkit/shared/delivery"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/email"
	"partnerkit/shared/email/sestest"
	"partnerkit/shared/events"
)

var _ delivery.Consumer = (*Notifier)(nil).Consume

// TestDispatchConsumer: plugged into the events dispatcher, the notifier
// mails the welcome of the outbox item enrolment wrote before the item is
// removed; the same item dispatched again (a crash before its removal)
// mails nothing more.
func TestDispatchConsumer(t *testing.T) {
	endpoint := sestest.Endpoint(t)
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		f := newFixture(t, b, endpoint)
		w := &delivery.Worker{Store: f.st, Now: func() time.Time { return testNow.Add(time.Hour) }, Consumers: []delivery.Consumer{f.n.Consume}}
		p := f.enroll(t, "pt_dispatch_"+b.Name, "Dee")
		pending, err := f.st.PendingOutbox(ctx, testNow.Add(time.Hour), 100)
		if err != nil {
			t.Fatal(err)
		}
		var item dynamo.Outbox
		for _, o := range pending {
			if len(o.Events) > 0 && o.Events[0].PartnerID == p.ID && o.Events[0].Type == events.PartnerEnrolled {
				item = o
			}
		}
		if item.ID == "" {
			t.Fatalf("no enrolment outbox item among %d pending", len(pending))
		}
		for i := 0; i < 2; i++ {
			if err := w.Dispatch(ctx, item); err != nil {
				t.Fatalf("dispatch %d: %v", i, err)
			}
		}
		if _, err := f.st.OutboxEvents(ctx, item.ID); err != dynamo.ErrNotFound {
			t.Errorf("outbox item after dispatch: %v, want removed", err)
		}
		if got := f.sent(t, p); len(got) != 1 {
			t.Errorf("captured %d welcomes, want 1", len(got))
		}

		// SES refusing keeps the item in the outbox for the next dispatch.
		q := f.enroll(t, "pt_dispatch_retry_"+b.Name, "Quin")
		retry := dynamo.Outbox{ID: events.Enrolled(q, testNow).ID, Events: []events.Event{events.Enrolled(q, testNow)}}
		good := f.n.Sender
		f.n.Sender = email.NewSES(sestest.Client(endpoint+"/no-such-api"), "")
		if err := w.Dispatch(ctx, retry); err == nil {
			t.Fatal("dispatch through a refusing SES succeeded, want an error")
		}
		if _, err := f.st.OutboxEvents(ctx, retry.ID); err != nil {
			t.Errorf("outbox item after a failed dispatch: %v, want kept", err)
		}
		f.n.Sender = good
		if err := w.Dispatch(ctx, retry); err != nil {
			t.Fatal(err)
		}
		if got := f.sent(t, q); len(got) != 1 {
			t.Errorf("captured %d welcomes after the retry, want 1", len(got))
		}
	})
}
