package notify

import (
	"context"
	"fmt"
	"testing"
	"time"

	"partnerkit/shared/attribution"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/email"
	"partnerkit/shared/events"
	"partnerkit/shared/partner"
)

type nopSender struct{ sent int }

func (s *nopSender) Send(context.Context, email.Message) (string, error) {
	s.sent++
	return "m-1", nil
}

// TestRequestsPerEmail pins what an email costs the table: a fixed few
// single-item requests, whatever the partner's history, and a redelivered
// event costs two.
func TestRequestsPerEmail(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		f := newFixture(t, b, "http://127.0.0.1:1")
		counter := dynamotest.NewCounter(b.Client)
		f.n.Store = dynamo.New(counter, b.Table)
		sender := &nopSender{}
		f.n.Sender = sender
		p := f.enroll(t, "pt_cost_"+b.Name, "Cost")
		// The partner's first signup and first milestone were mailed already.
		for _, mark := range []string{"PARTNER#" + p.ID + "#" + partner.KindFirstSignup, "PARTNER#" + p.ID + "#" + partner.KindMilestones + "#1"} {
			if _, err := f.st.ClaimNotification(context.Background(), mark, testNow); err != nil {
				t.Fatal(err)
			}
		}
		other := f.enroll(t, "pt_cost_none_"+b.Name, "None")
		// cus_paid: p's customer, paying (its payment not counted yet).
		s := attribution.Signup{CustomerID: "cus_paid", Email: "paid@example.org", CreatedAt: testNow}
		d := attribution.Decide(s, []attribution.Touch{{Source: attribution.SourceClick, PartnerID: p.ID, At: testNow.Add(-time.Hour)}}, 90*24*time.Hour)
		if _, _, _, err := f.st.SaveAttribution(context.Background(), d, s, fmt.Sprintf("%032x", 77), dynamo.WebhookResponse{Endpoint: "signup", ID: "msg_paid", Status: 200, Body: "{}"}, testNow); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name          string
			ev            events.Event
			want          string
			reads, writes int
		}{
			// partner, preferences, suppression; the mark
			{"welcome", event("evt_cost_w_"+b.Name, events.PartnerEnrolled, map[string]any{"partner_id": p.ID}), StatusSent, 3, 1},
			// the partner; the mark, refused
			{"redelivered", event("evt_cost_w_"+b.Name, events.PartnerEnrolled, map[string]any{"partner_id": p.ID}), StatusDuplicate, 1, 1},
			// a later signup: the first signup's mark, nothing more
			{"later signup", event("evt_cost_s_"+b.Name, events.CustomerAttributed, map[string]any{"partner_id": p.ID, "customer_id": "cus_2"}), StatusDuplicate, 1, 0},
			// a payment after the first milestone: the counter, the customer and the mark
			{"between milestones", event("evt_cost_b_"+b.Name, events.CommissionCreated, map[string]any{"partner_id": p.ID, "customer_id": "cus_paid"}), StatusDuplicate, 3, 0},
			// no paying customer yet: the counter and the customer, nothing more
			{"milestone", event("evt_cost_m_"+b.Name, events.CommissionCreated, map[string]any{"partner_id": other.ID, "customer_id": "cus_unknown"}), StatusIgnored, 2, 0},
		}
		for _, tt := range tests {
			counter.Take()
			out, err := f.n.Notify(context.Background(), tt.ev)
			if err != nil || out.Status != tt.want {
				t.Fatalf("%s: %+v, %v; want %s", tt.name, out, err, tt.want)
			}
			reads, ru := counter.Reads()
			writes, wu := counter.Writes()
			if reads != tt.reads || writes != tt.writes {
				t.Errorf("%s: %d reads and %d writes, want %d and %d", tt.name, reads, writes, tt.reads, tt.writes)
			}
			t.Logf("%s (%s): %d reads (%.1f RCU), %d writes (%.1f WCU)", tt.name, b.Name, reads, ru, writes, wu)
		}
		if sender.sent != 1 {
			t.Errorf("sent %d, want 1", sender.sent)
		}
	})
}

// BenchmarkCompose measures building one email (subject, text and HTML
// from the templates, two signed unsubscribe links).
func BenchmarkCompose(b *testing.B) {
	f := newFixture(b, dynamotest.Backend{}, "")
	p := partner.Partner{ID: "pt_bench", Code: "bench", Name: "Bench <b>", Email: "bench@example.com"}
	m := mail{Kind: partner.KindStatementPayable, Period: "November 2026", Amount: "24.75 USD"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.n.compose(p, "bench@example.com", m); err != nil {
			b.Fatal(err)
		}
	}
}
