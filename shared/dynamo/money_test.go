package dynamo_test

import (
	"context"
	"testing"
	"time"

	"partnerkit/shared/billing/billingtest"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
)

// TestPayingCustomers: a customer counts once however often it pays, from
// the day of its last payment until 35 days later, and a payment older
// than the last one counted changes nothing.
func TestPayingCustomers(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		day := time.Date(2026, 10, 3, 9, 0, 0, 0, time.UTC)
		billingtest.Attribute(t, st, "cus_1", "pt_a", day.Add(-time.Hour))
		billingtest.Attribute(t, st, "cus_2", "pt_a", day.Add(-time.Hour))
		billingtest.Attribute(t, st, "cus_x", "", day.Add(-time.Hour))
		e := billingtest.New(t, st, day.AddDate(0, 0, 3), 2500, 0)
		e.Pay(t, "p1", "cus_1", 1000, "USD", day)
		e.Pay(t, "p2", "cus_1", 1000, "USD", day.Add(time.Hour))   // same day
		e.Pay(t, "p3", "cus_1", 1000, "USD", day.AddDate(0, 0, 2)) // moves days
		e.Pay(t, "p4", "cus_1", 1000, "USD", day.AddDate(0, 0, 1)) // older: no move
		e.Pay(t, "p5", "cus_2", 1000, "USD", day)
		e.Pay(t, "p6", "cus_x", 1000, "USD", day) // not attributed
		for _, tt := range []struct {
			now  time.Time
			want int64
		}{
			{day.AddDate(0, 0, 3), 2},
			{day.AddDate(0, 0, 35), 2},
			{day.AddDate(0, 0, 36), 1}, // cus_2's day left the window
			{day.AddDate(0, 0, 37), 1},
			{day.AddDate(0, 0, 38), 0},
		} {
			ms, err := st.PartnerStats(ctx, "pt_a", tt.now)
			if err != nil || ms.Customers != tt.want {
				t.Errorf("customers at %s = %d, %v; want %d", tt.now.Format("2006-01-02"), ms.Customers, err, tt.want)
			}
		}
		ms, err := st.PartnerStats(ctx, "pt_a", day.AddDate(0, 0, 3))
		if err != nil || ms.Pending["USD"] != 5*250 || ms.Signups != 2 {
			t.Errorf("stats = %+v, %v; want USD 1250 pending and 2 signups", ms, err)
		}
	})
}
