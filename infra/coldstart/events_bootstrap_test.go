package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/hooks"
	"partnerkit/shared/partner"
)

// TestEventsBootstrap runs the events function as deployed (release
// flags, configured as in AWS) through the fake Runtime API, against
// DynamoDB Local, with a stream record of a new outbox item: it enqueues
// the event for the endpoint and attempts it at once. The endpoint is on
// loopback, which a deployed function refuses to connect to, so the
// attempt is logged as refused and no request reaches it.
func TestEventsBootstrap(t *testing.T) {
	b := dynamotest.DynamoDBLocal(t)
	ctx := context.Background()
	st := dynamo.New(b.Client, b.Table)
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	now := time.Now().UTC()
	ep := hooks.Endpoint{ID: hooks.NewID(), URL: srv.URL, Events: []string{"partner.enrolled"}, Status: hooks.StatusEnabled,
		Secret: hooks.NewSecret(), CreatedAt: now, UpdatedAt: now}
	if err := st.PutEndpoint(ctx, ep, true, time.Time{}); err != nil {
		t.Fatal(err)
	}
	p := partner.Partner{ID: "pt_events", Code: "events", Subject: "user-ev", Status: partner.StatusActive, CreatedAt: now}
	if _, _, err := st.CreatePartner(ctx, p); err != nil {
		t.Fatal(err)
	}
	pending, err := st.PendingOutbox(ctx, now.Add(time.Hour), 10)
	if err != nil || len(pending) != 1 {
		t.Fatalf("outbox: %v, %v", pending, err)
	}
	raw, _ := json.Marshal(pending[0].Events[0])
	record, _ := json.Marshal(map[string]any{"Records": []any{map[string]any{
		"eventID": "1", "eventName": "INSERT", "eventSource": "aws:dynamodb",
		"dynamodb": map[string]any{"NewImage": map[string]any{
			"pk": map[string]string{"S": "OUTBOX#" + pending[0].ID}, "sk": map[string]string{"S": "OUTBOX"},
			"events": map[string]any{"L": []any{map[string]string{"S": string(raw)}}},
		}},
	}}})
	h, err := newHarness([]string{
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_SESSION_TOKEN=",
		"TABLE_NAME=" + b.Table,
		"DYNAMODB_ENDPOINT=" + os.Getenv(dynamotest.EndpointEnv),
		"LANDING_URL=https://www.example.com/",
		"PUBLIC_BASE_URL=https://go.example.com",
		// The partner emails' settings, as the template gives them; this
		// partner has no address, so no email is sent.
		"FROM_EMAIL=partners@example.com",
		"COOKIE_SECRET=k2:bootstrap-test-secret-0123",
		"HASH_SECRET=bootstrap-hash-secret",
	}, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()
	inv, err := h.invokeOnce("events", buildBootstrap(t, repoPath(t, "functions/events")), record)
	if err != nil {
		t.Fatal(err)
	}
	var res struct{ Dispatched, Attempted int }
	if err := json.Unmarshal(inv.body, &res); err != nil || inv.kind != "response" || res.Dispatched != 1 || res.Attempted != 1 {
		t.Fatalf("reply %q: %s", inv.kind, inv.body)
	}
	d, err := st.Delivery(ctx, ep.ID, pending[0].Events[0].ID)
	if err != nil || d.Attempts != 1 || d.LastError != "address not allowed" || hits.Load() != 0 {
		t.Errorf("delivery %+v (%v), %d requests; want one attempt refused at dial time", d, err, hits.Load())
	}
	if left, _ := st.PendingOutbox(ctx, now.Add(time.Hour), 10); len(left) != 0 {
		t.Errorf("the outbox item was not removed")
	}
}
