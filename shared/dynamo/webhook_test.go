package dynamo_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
)

// TestWebhookBodyHash: the hash of a delivery's body is kept with its
// first response and comes back on every path that reads it; a response
// stored without one (before hashes were kept) matches any body.
func TestWebhookBodyHash(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		now := time.Date(2026, 10, 3, 9, 0, 0, 0, time.UTC)
		body := []byte(`{"type":"payment.succeeded"}`)
		first := dynamo.WebhookResponse{Endpoint: "billing", ID: "evt.1", BodyHash: dynamo.BodyHash(body), Status: 200, Body: `{"first":true}`}
		if _, err := st.SaveWebhookResponse(ctx, first, now); err != nil {
			t.Fatal(err)
		}
		// A second save of the id keeps the first response and its hash.
		other := []byte(`{"type":"payment.refunded"}`)
		second := dynamo.WebhookResponse{Endpoint: "billing", ID: "evt.1", BodyHash: dynamo.BodyHash(other), Status: 200, Body: `{"second":true}`}
		got, err := st.SaveWebhookResponse(ctx, second, now)
		if err != nil || got.Body != first.Body || !bytes.Equal(got.BodyHash, first.BodyHash) {
			t.Errorf("second save = %+v, %v; want the first response", got, err)
		}
		got, ok, err := st.FirstResponse(ctx, "billing", "evt.1")
		if err != nil || !ok || !bytes.Equal(got.BodyHash, first.BodyHash) {
			t.Errorf("FirstResponse = %+v, %v, %v; want the first body's hash", got, ok, err)
		}
		lk, err := st.LookupBilling(ctx, "evt.1", "pay_x", "", "")
		if err != nil || lk.Replay == nil || !bytes.Equal(lk.Replay.BodyHash, first.BodyHash) {
			t.Errorf("LookupBilling replay = %+v, %v; want the first body's hash", lk.Replay, err)
		}

		tests := []struct {
			name string
			r    dynamo.WebhookResponse
			body []byte
			want bool
		}{
			{"same body", got, body, true},
			{"other body", got, other, false},
			{"empty body", got, nil, false},
			{"no hash stored", dynamo.WebhookResponse{Status: 200}, other, true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got, want := tt.r.Answers(dynamo.BodyHash(tt.body)), tt.want; got != want {
					t.Errorf("Answers = %v, want %v", got, want)
				}
			})
		}
	})
}
