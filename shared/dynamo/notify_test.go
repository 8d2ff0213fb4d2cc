package dynamo_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"partnerkit/shared/attribution"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/partner"
	"partnerkit/shared/payments"
)

func TestNotificationPrefs(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		n, err := st.NotificationPrefs(ctx, "pt_a")
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range partner.Kinds {
			if !n.On(k) {
				t.Errorf("a new partner's %s is off, want on by default", k)
			}
		}
		if err := st.SetNotificationPrefs(ctx, "pt_a", map[string]bool{partner.KindMilestones: false, partner.KindWelcome: true}); err != nil {
			t.Fatal(err)
		}
		if err := st.SetNotificationPrefs(ctx, "pt_a", map[string]bool{partner.KindFirstSignup: false}); err != nil {
			t.Fatal(err)
		}
		n, err = st.NotificationPrefs(ctx, "pt_a")
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{partner.KindWelcome: true, partner.KindFirstSignup: false, partner.KindStatementPayable: true, partner.KindMilestones: false}
		for k, on := range want {
			if n.On(k) != on {
				t.Errorf("after two partial saves %s on = %v, want %v", k, n.On(k), on)
			}
		}
		if other, _ := st.NotificationPrefs(ctx, "pt_b"); !other.On(partner.KindMilestones) {
			t.Error("one partner's preferences changed another's")
		}
	})
}

// TestClaimNotificationOnce: of many concurrent claims of one mark only
// one wins; a released mark can be claimed again.
func TestClaimNotificationOnce(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		at := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
		var won atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := st.ClaimNotification(ctx, "evt_1#welcome", at)
				if err != nil {
					t.Error(err)
				}
				if ok {
					won.Add(1)
				}
			}()
		}
		wg.Wait()
		if won.Load() != 1 {
			t.Fatalf("%d concurrent claims won, want 1", won.Load())
		}
		if ok, _ := st.ClaimNotification(ctx, "evt_1#first_signup", at); !ok {
			t.Error("another kind of the same event was refused")
		}
		if err := st.ReleaseNotification(ctx, "evt_1#welcome"); err != nil {
			t.Fatal(err)
		}
		if ok, err := st.ClaimNotification(ctx, "evt_1#welcome", at); err != nil || !ok {
			t.Errorf("claim after release = %v, %v; want won", ok, err)
		}
	})
}

// TestLifetimePayingCustomers: a customer's first payment counts once toward the
// partner's lifetime paying customers, whatever follows.
func TestLifetimePayingCustomers(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		if got, err := st.PayingCustomers(ctx, "pt_a", ""); err != nil || got != 0 {
			t.Fatalf("PayingCustomers of a new partner = %d, %v; want 0", got, err)
		}
		for i := 0; i < 3; i++ {
			id := fmt.Sprintf("cus_%d", i)
			s := attribution.Signup{CustomerID: id, Email: id + "@example.com", CreatedAt: now}
			d := attribution.Decide(s, []attribution.Touch{{Source: attribution.SourceClick, PartnerID: "pt_a", At: now.Add(-time.Hour)}}, 90*24*time.Hour)
			resp := dynamo.WebhookResponse{Endpoint: "signup", ID: "msg_" + id, Status: 200, Body: "{}"}
			if _, _, _, err := st.SaveAttribution(ctx, d, s, fmt.Sprintf("%032x", i+100), resp, now); err != nil {
				t.Fatal(err)
			}
			if i == 2 {
				continue // signed up, never paid
			}
			c := payments.Customer{Decision: d, CreatedAt: now}
			if err := st.TouchCustomer(ctx, c, now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			// A later payment of the same customer is not a new paying customer.
			c.LastPaidAt = now.Add(time.Hour)
			if err := st.TouchCustomer(ctx, c, now.Add(50*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := st.PayingCustomers(ctx, "pt_a", ""); err != nil || got != 2 {
			t.Errorf("PayingCustomers = %d, %v; want 2", got, err)
		}
	})
}

// TestPayingCustomersCountsTheEventsCustomer: a customer of the partner
// who paid but is not counted yet counts once; another partner's
// customer, or one already counted, adds nothing.
func TestPayingCustomersCountsTheEventsCustomer(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		attributed := func(id, partnerID string) attribution.Decision {
			s := attribution.Signup{CustomerID: id, Email: id + "@example.com", CreatedAt: now}
			d := attribution.Decide(s, []attribution.Touch{{Source: attribution.SourceClick, PartnerID: partnerID, At: now.Add(-time.Hour)}}, 90*24*time.Hour)
			resp := dynamo.WebhookResponse{Endpoint: "signup", ID: "msg_" + id, Status: 200, Body: "{}"}
			if _, _, _, err := st.SaveAttribution(ctx, d, s, fmt.Sprintf("%032x", len(id)+int(id[len(id)-1])), resp, now); err != nil {
				t.Fatal(err)
			}
			return d
		}
		d := attributed("cus_a", "pt_a")
		attributed("cus_b", "pt_b")
		check := func(customerID string, want int64) {
			t.Helper()
			if got, err := st.PayingCustomers(ctx, "pt_a", customerID); err != nil || got != want {
				t.Errorf("PayingCustomers(pt_a, %q) = %d, %v; want %d", customerID, got, err, want)
			}
		}
		check("cus_a", 1)
		check("cus_b", 0)
		check("cus_nobody", 0)
		if err := st.TouchCustomer(ctx, payments.Customer{Decision: d, CreatedAt: now}, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		check("cus_a", 1)
		check("", 1)
	})
}

// TestFirstCustomerAndNotified: a partner's first customer is its
// earliest attributed one; a mark reads as claimed only once claimed.
func TestFirstCustomerAndNotified(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		if got, err := st.FirstCustomer(ctx, "pt_f"); err != nil || got != "" {
			t.Fatalf("FirstCustomer of a partner without customers = %q, %v", got, err)
		}
		// Stored out of order: the later signup first.
		for i, at := range []time.Time{now.Add(2 * time.Hour), now, now.Add(time.Hour)} {
			id := fmt.Sprintf("cus_f%d", i)
			s := attribution.Signup{CustomerID: id, Email: id + "@example.com", CreatedAt: at}
			d := attribution.Decide(s, []attribution.Touch{{Source: attribution.SourceClick, PartnerID: "pt_f", At: at.Add(-time.Minute)}}, 90*24*time.Hour)
			resp := dynamo.WebhookResponse{Endpoint: "signup", ID: "msg_" + id, Status: 200, Body: "{}"}
			if _, _, _, err := st.SaveAttribution(ctx, d, s, fmt.Sprintf("%032x", 900+i), resp, at); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := st.FirstCustomer(ctx, "pt_f"); err != nil || got != "cus_f1" {
			t.Errorf("FirstCustomer = %q, %v; want cus_f1, the earliest", got, err)
		}
		if ok, err := st.Notified(ctx, "PARTNER#pt_f#first_signup"); err != nil || ok {
			t.Errorf("Notified before any claim = %v, %v", ok, err)
		}
		if _, err := st.ClaimNotification(ctx, "PARTNER#pt_f#first_signup", now); err != nil {
			t.Fatal(err)
		}
		if ok, err := st.Notified(ctx, "PARTNER#pt_f#first_signup"); err != nil || !ok {
			t.Errorf("Notified after the claim = %v, %v; want true", ok, err)
		}
	})
}
