package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/partner"
	"partnerkit/shared/referral"
)

func newPartner(sub, code string) partner.Partner {
	return partner.Partner{
		ID: referral.NewPartnerID(), Code: code, Subject: sub, Email: sub + "@example.com",
		Status: partner.StatusActive, CreatedAt: time.Now().UTC().Truncate(time.Millisecond),
	}
}

func TestEnrollment(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		p := newPartner("u1", "jane")
		got, created, err := st.CreatePartner(ctx, p)
		if err != nil || !created || got != p {
			t.Fatalf("CreatePartner = %+v, %v, %v; want the new partner", got, created, err)
		}
		again, created, err := st.CreatePartner(ctx, newPartner("u1", "other-code"))
		if err != nil || created || again != p {
			t.Fatalf("second CreatePartner for u1 = %+v, %v, %v; want the existing partner", again, created, err)
		}
		if _, err := st.CodeOwner(ctx, "other-code"); !errors.Is(err, dynamo.ErrNotFound) {
			t.Errorf("a refused enrollment left its code behind: %v", err)
		}
		if _, _, err := st.CreatePartner(ctx, newPartner("u2", "jane")); !errors.Is(err, dynamo.ErrCodeTaken) {
			t.Errorf("enrolling with a taken code: err = %v, want ErrCodeTaken", err)
		}
		owner, err := st.CodeOwner(ctx, "jane")
		if err != nil || owner != (partner.CodeOwner{PartnerID: p.ID, Active: true}) {
			t.Errorf("CodeOwner(jane) = %+v, %v", owner, err)
		}
		bySub, err := st.PartnerBySubject(ctx, "u1")
		if err != nil || bySub != p {
			t.Errorf("PartnerBySubject(u1) = %+v, %v", bySub, err)
		}
		if _, err := st.Partner(ctx, "pt_missing"); !errors.Is(err, dynamo.ErrNotFound) {
			t.Errorf("Partner(missing) err = %v, want ErrNotFound", err)
		}
		sus, err := st.SetPartnerStatus(ctx, p.ID, partner.StatusSuspended)
		if err != nil || sus.Status != partner.StatusSuspended {
			t.Fatalf("SetPartnerStatus = %+v, %v", sus, err)
		}
		if owner, _ := st.CodeOwner(ctx, "jane"); owner.Active {
			t.Error("the code of a suspended partner is still active")
		}
	})
}

// TestConcurrentVanityCode: many users race for one vanity code; exactly
// one gets it and the others are told it is taken.
func TestConcurrentVanityCode(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		st := dynamo.New(b.Client, b.Table)
		const n = 20
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, errs[i] = st.CreatePartner(context.Background(), newPartner(fmt.Sprintf("racer%d", i), "popular"))
			}()
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case errors.Is(err, dynamo.ErrCodeTaken):
			default:
				// A transaction conflict is a retryable refusal, never a second owner.
				t.Logf("racer %d: %v", i, err)
			}
		}
		if won != 1 {
			t.Fatalf("%d enrollments got the code, want exactly 1", won)
		}
	})
}

func TestClicksAndFirstTouch(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		const clicks = 50
		var wg sync.WaitGroup
		for range clicks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := st.RecordClick(ctx, "pt_a", time.Now()); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if got, err := st.Counts(ctx, "pt_a"); err != nil || got.Clicks != clicks {
			t.Errorf("Counts(pt_a) = %+v, %v; want %d clicks", got, err, clicks)
		}
		if got, err := st.Counts(ctx, "pt_none"); err != nil || got != (dynamo.Counts{}) {
			t.Errorf("Counts(pt_none) = %+v, %v; want zero", got, err)
		}

		// Many first clicks of one visitor from different partners: one wins
		// and every caller is told the same winner.
		vid := referral.NewVisitorID()
		base := time.Now().UTC().Truncate(time.Millisecond)
		const racers = 20
		winners := make([]referral.Touch, racers)
		wonCount := 0
		var mu sync.Mutex
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				touch := referral.Touch{VisitorID: vid, PartnerID: fmt.Sprintf("pt_%d", i), At: base.Add(time.Duration(i) * time.Millisecond)}
				w, won, err := st.RecordFirstTouch(ctx, touch, 90*24*time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				winners[i] = w
				if won {
					wonCount++
				}
			}()
		}
		wg.Wait()
		if wonCount != 1 {
			t.Fatalf("%d first touches won, want 1", wonCount)
		}
		stored, err := st.FirstTouch(ctx, vid)
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range winners {
			if w != stored {
				t.Errorf("racer %d was told winner %+v, stored is %+v", i, w, stored)
			}
		}
	})
}
