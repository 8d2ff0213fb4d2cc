package signup

import (
	"context"
	"testing"
	"time"

	"partnerkit/shared/attribution"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/partner"
)

// benchStore answers like a store holding one click for the visitor, and
// counts requests, as DynamoDB would receive them.
type benchStore struct{ requests int }

func (s *benchStore) LookupSignup(context.Context, dynamo.SignupKeys) (dynamo.SignupLookup, error) {
	s.requests++
	return dynamo.SignupLookup{Click: &dynamo.PartnerTouch{PartnerID: "pt_alice", At: testNow.Add(-time.Hour)}}, nil
}

func (s *benchStore) Partners(context.Context, []string) (map[string]partner.Partner, error) {
	s.requests++
	return map[string]partner.Partner{"pt_alice": {ID: "pt_alice", Email: "alice@example.com", Status: partner.StatusActive}}, nil
}

func (s *benchStore) SaveAttribution(_ context.Context, d attribution.Decision, _ attribution.Signup, _ string, w dynamo.WebhookResponse, _ time.Time) (attribution.Decision, bool, dynamo.WebhookResponse, error) {
	s.requests++
	return d, true, w, nil
}

func (s *benchStore) SaveWebhookResponse(_ context.Context, w dynamo.WebhookResponse, _ time.Time) (dynamo.WebhookResponse, error) {
	s.requests++
	return w, nil
}

// BenchmarkSignupHandler: one signed signup through the Lambda handler
// (verification, decoding, attribution, response), store faked. It
// reports the store requests per signup in the common case.
func BenchmarkSignupHandler(b *testing.B) {
	st := &benchStore{}
	e := newEnv(b, st, nil)
	payload := signed(b, "msg_bench", customerBody("cus_1", "carol@example.com", "v_AAAAAAAAAAAAAAAAAAAAAA", "", "2026-11-24T10:15:59.5Z")).event()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.h.Invoke(ctx, payload); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(st.requests)/float64(b.N), "requests/op")
}

func (s *benchStore) FirstResponse(context.Context, string, string) (dynamo.WebhookResponse, bool, error) {
	s.requests++
	return dynamo.WebhookResponse{}, false, nil
}
