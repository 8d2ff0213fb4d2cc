package dynamo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/events"
	"partnerkit/shared/partner"
)

func outboxTypes(t *testing.T, st *dynamo.Store) map[string]int {
	t.Helper()
	items, err := st.PendingOutbox(context.Background(), time.Now().Add(time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, o := range items {
		for _, e := range o.Events {
			out[e.Type]++
		}
	}
	return out
}

// Events are written with their change or not at all: a refused change
// leaves no event, a repeated one no second event.
func TestOutboxFollowsTheChange(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		p := newPartner("u1", "jane")
		if _, _, err := st.CreatePartner(ctx, p); err != nil {
			t.Fatal(err)
		}
		// Refused: the code is taken; and the same subject again.
		if _, _, err := st.CreatePartner(ctx, newPartner("u2", "jane")); !errors.Is(err, dynamo.ErrCodeTaken) {
			t.Fatalf("taken code: %v", err)
		}
		st.CreatePartner(ctx, newPartner("u1", "other"))
		if got := outboxTypes(t, st); got[events.PartnerEnrolled] != 1 || len(got) != 1 {
			t.Fatalf("after one enrolment and two refusals the outbox holds %v", got)
		}
		// Suspending twice is one change; reactivating is none we report;
		// suspending again is a new one, with a new id.
		for _, s := range []string{partner.StatusSuspended, partner.StatusSuspended, partner.StatusActive, partner.StatusSuspended} {
			if _, err := st.SetPartnerStatus(ctx, p.ID, s); err != nil {
				t.Fatal(err)
			}
		}
		items, _ := st.PendingOutbox(ctx, time.Now().Add(time.Hour), 100)
		ids := map[string]bool{}
		for _, o := range items {
			for _, e := range o.Events {
				if e.Type == events.PartnerSuspended {
					ids[e.ID] = true
				}
			}
		}
		if len(ids) != 2 {
			t.Errorf("two suspensions made %d distinct events", len(ids))
		}
		// Dispatched items leave the outbox.
		for _, o := range items {
			if err := st.DeleteOutbox(ctx, o.ID); err != nil {
				t.Fatal(err)
			}
		}
		if got := outboxTypes(t, st); len(got) != 0 {
			t.Errorf("outbox after removing everything: %v", got)
		}
	})
}
