package dynamo_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
)

func hashOf(i int) string { return fmt.Sprintf("%032x", i) }

func TestInviteLookupAndTouch(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		at := time.Date(2026, 11, 24, 10, 0, 0, 123e6, time.UTC)
		day := dynamo.InviteDay(at)
		if _, won, err := st.RecordInviteTouch(ctx, hashOf(1), "pt_a", at); err != nil || !won {
			t.Fatalf("RecordInviteTouch = %v, %v; want won", won, err)
		}
		if err := st.Suppress(ctx, hashOf(2), at); err != nil {
			t.Fatal(err)
		}
		if err := st.Suppress(ctx, hashOf(2), at.Add(time.Hour)); err != nil {
			t.Errorf("a second Suppress of one address: %v, want nil", err)
		}
		if got, err := st.ClaimInviteQuota(ctx, "pt_a", day, 3, 50, 0); err != nil || got != 3 {
			t.Fatalf("ClaimInviteQuota(3) = %d, %v", got, err)
		}
		lk, err := st.LookupInvites(ctx, "pt_a", day, []string{hashOf(1), hashOf(2), hashOf(3), hashOf(1)})
		if err != nil {
			t.Fatal(err)
		}
		if lk.SentToday != 3 || !lk.Suppressed[hashOf(2)] || lk.Suppressed[hashOf(1)] || len(lk.Invited) != 1 ||
			lk.Invited[hashOf(1)] != (dynamo.PartnerTouch{PartnerID: "pt_a", At: at}) {
			t.Errorf("LookupInvites = %+v; want 3 sent, #2 suppressed, #1 invited by pt_a at %v", lk, at)
		}
		if other, err := st.LookupInvites(ctx, "pt_b", day, nil); err != nil || other.SentToday != 0 {
			t.Errorf("another partner's count = %d, %v; want 0", other.SentToday, err)
		}
		if ok, err := st.Suppressed(ctx, hashOf(2)); err != nil || !ok {
			t.Errorf("Suppressed(#2) = %v, %v", ok, err)
		}

		// Only the touch's own partner and time delete it.
		for _, wrong := range []struct {
			partner string
			at      time.Time
		}{{"pt_b", at}, {"pt_a", at.Add(time.Millisecond)}} {
			if err := st.DeleteInviteTouch(ctx, hashOf(1), wrong.partner, wrong.at); err != nil {
				t.Fatal(err)
			}
		}
		if lk, _ := st.LookupInvites(ctx, "pt_a", day, []string{hashOf(1)}); len(lk.Invited) != 1 {
			t.Fatal("DeleteInviteTouch removed a touch that was not its own")
		}
		if err := st.DeleteInviteTouch(ctx, hashOf(1), "pt_a", at); err != nil {
			t.Fatal(err)
		}
		if _, won, err := st.RecordInviteTouch(ctx, hashOf(1), "pt_b", at); err != nil || !won {
			t.Errorf("after deletion RecordInviteTouch = %v, %v; want won", won, err)
		}

		if err := st.ReleaseInviteQuota(ctx, "pt_a", day, 2); err != nil {
			t.Fatal(err)
		}
		if err := st.ReleaseInviteQuota(ctx, "pt_a", day, 5); err != nil {
			t.Fatal(err)
		}
		if lk, _ := st.LookupInvites(ctx, "pt_a", day, nil); lk.SentToday != 1 {
			t.Errorf("after giving back 2 of 3 (and refusing to go below 0): count %d, want 1", lk.SentToday)
		}
	})
}

// TestInviteQuotaConcurrent: many claims at once, from stale hints, never
// take more than the limit in total, and take all of it.
func TestInviteQuotaConcurrent(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		const limit, claimers = 23, 12
		day := dynamo.InviteDay(time.Now())
		var total atomic.Int64
		var wg sync.WaitGroup
		for i := range claimers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := st.ClaimInviteQuota(ctx, "pt_q", day, 1+i%5, limit, 0)
				if err != nil {
					t.Error(err)
				}
				total.Add(int64(got))
			}()
		}
		wg.Wait()
		lk, err := st.LookupInvites(ctx, "pt_q", day, nil)
		if err != nil {
			t.Fatal(err)
		}
		if total.Load() != limit || lk.SentToday != limit {
			t.Errorf("claimed %d, counter %d; want exactly the limit %d", total.Load(), lk.SentToday, limit)
		}
		if got, err := st.ClaimInviteQuota(ctx, "pt_q", day, 1, limit, 0); err != nil || got != 0 {
			t.Errorf("claim past the limit = %d, %v; want 0", got, err)
		}
	})
}
