package delivery_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"partnerkit/shared/delivery"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/email"
	"partnerkit/shared/email/sestest"
	"partnerkit/shared/emailaddr"
	"partnerkit/shared/events"
	"partnerkit/shared/notify"
	"partnerkit/shared/partner"
	"partnerkit/shared/signing"
	"partnerkit/shared/unsubscribe"
)

// TestPartnerEmailsConsumer: with the notifier as a consumer, dispatching
// the outbox item an enrolment wrote mails the welcome through SES before
// the item is removed; the same item dispatched again (a crash before its
// removal, a stream record delivered twice) mails nothing more; and SES
// refusing keeps the item for the next dispatch.
func TestPartnerEmailsConsumer(t *testing.T) {
	endpoint := sestest.Endpoint(t)
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		now := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
		st := dynamo.New(b.Client, b.Table)
		kr, err := signing.ParseKeyring("k1:0123456789abcdef-consumer")
		if err != nil {
			t.Fatal(err)
		}
		n := &notify.Notifier{
			Store: st, Sender: email.NewSES(sestest.Client(endpoint), ""), Hasher: emailaddr.NewHasher("consumer-test-hash"),
			Unsubscribes: &unsubscribe.Tokens{Keys: kr}, BaseURL: "https://go.example.com", Site: "app.example.com",
			From: "partners@example.com", Now: func() time.Time { return now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		}
		w := &delivery.Worker{Store: st, Now: func() time.Time { return now }, Consumers: []delivery.Consumer{n.Consume}}
		enroll := func(id string) (partner.Partner, dynamo.Outbox) {
			p := partner.Partner{ID: id + "_" + b.Name, Code: strings.ReplaceAll(id, "_", "-") + "-" + b.Name, Subject: "sub-" + id + b.Name,
				Email: sestest.Recipient(id), Status: partner.StatusActive, CreatedAt: now}
			if _, _, err := st.CreatePartner(ctx, p); err != nil {
				t.Fatal(err)
			}
			ev := events.Enrolled(p, now)
			o, err := st.OutboxEvents(ctx, ev.ID)
			if err != nil {
				t.Fatalf("the enrolment's outbox item: %v", err)
			}
			return p, o
		}

		p, item := enroll("pt_dee")
		for i := 0; i < 2; i++ {
			if err := w.Dispatch(ctx, item); err != nil {
				t.Fatalf("dispatch %d: %v", i, err)
			}
		}
		if _, err := st.OutboxEvents(ctx, item.ID); err != dynamo.ErrNotFound {
			t.Errorf("outbox item after dispatch: %v, want removed", err)
		}
		got := sestest.SentTo(t, endpoint, p.Email)
		if len(got) != 1 || !strings.Contains(got[0].Body.Text, "https://go.example.com/r/"+p.Code) {
			t.Errorf("captured %d welcomes, want 1 with the link", len(got))
		}

		q, retry := enroll("pt_quin")
		good := n.Sender
		n.Sender = email.NewSES(sestest.Client(endpoint+"/no-such-api"), "")
		if err := w.Dispatch(ctx, retry); err == nil {
			t.Fatal("dispatch through a refusing SES succeeded, want an error")
		}
		if _, err := st.OutboxEvents(ctx, retry.ID); err != nil {
			t.Errorf("outbox item after a failed dispatch: %v, want kept", err)
		}
		n.Sender = good
		if err := w.Dispatch(ctx, retry); err != nil {
			t.Fatal(err)
		}
		if got := sestest.SentTo(t, endpoint, q.Email); len(got) != 1 {
			t.Errorf("captured %d welcomes after the retry, want 1", len(got))
		}
	})
}
