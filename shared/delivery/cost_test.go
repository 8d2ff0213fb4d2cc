package delivery_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/events"
	"partnerkit/shared/ledger"
)

// TestDeliveryCost counts the requests and capacity units one event costs
// on DynamoDB Local, from its outbox item to its delivery at the first
// attempt, with one endpoint and a partner's events delivered back to
// back: the figures infra/COSTS.md prices. It pins an upper bound, so a
// change that adds a request per event shows.
func TestDeliveryCost(t *testing.T) {
	b := dynamotest.DynamoDBLocal(t)
	ctx := context.Background()
	c := newClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	counter := dynamotest.NewCounter(b.Client)
	st := dynamo.New(counter, b.Table).WithClock(c.Now)
	f := &flaky{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	addEndpoint(t, st, srv.URL, c.Now())
	const n, partners = 200, 10
	for i := range n {
		l := ledger.Line{ID: fmt.Sprintf("c_%d", i), Kind: ledger.KindCommission, PartnerID: fmt.Sprintf("pt_%d", i%partners),
			PaymentID: fmt.Sprintf("pay_%d", i), CustomerID: "cus", Currency: "USD", Amount: 1, At: c.Now().UnixMilli()}
		if _, err := b.Client.PutItem(ctx, putOutbox(b.Table, events.Line(l, c.Now().Add(time.Duration(i)*time.Millisecond)))); err != nil {
			t.Fatal(err)
		}
	}
	c.Add(time.Second)
	counter.Take()
	w := newWorker(st, c)
	if _, err := w.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if len(f.got) != n {
		t.Fatalf("%d of %d delivered", len(f.got), n)
	}
	wc, wu := counter.Writes()
	rc, ru := counter.Reads()
	ops := counter.Take()
	t.Logf("per event: %.2f write requests (%.2f WCU), %.2f read requests (%.2f RCU); ops %v",
		float64(wc)/n, wu/n, float64(rc)/n, ru/n, ops)
	if float64(wc+rc)/n > 10 {
		t.Errorf("%.1f requests per event delivered, want at most 10", float64(wc+rc)/n)
	}
}

func putOutbox(table string, e events.Event) *dynamodb.PutItemInput {
	return &dynamodb.PutItemInput{TableName: &table, Item: dynamo.OutboxItem([]events.Event{e})}
}
