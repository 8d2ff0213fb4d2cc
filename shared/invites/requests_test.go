package invites

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
)

// countingAPI counts DynamoDB requests by operation.
type countingAPI struct {
	dynamo.API
	mu sync.Mutex
	n  map[string]int
}

func (c *countingAPI) add(op string) {
	c.mu.Lock()
	c.n[op]++
	c.mu.Unlock()
}

func (c *countingAPI) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n
	c.n = map[string]int{}
	return n
}

func (c *countingAPI) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.add("GetItem")
	return c.API.GetItem(ctx, in, o...)
}

func (c *countingAPI) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.add("PutItem")
	return c.API.PutItem(ctx, in, o...)
}

func (c *countingAPI) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.add("UpdateItem")
	return c.API.UpdateItem(ctx, in, o...)
}

func (c *countingAPI) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	c.add("DeleteItem")
	return c.API.DeleteItem(ctx, in, o...)
}

func (c *countingAPI) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	c.add("BatchGetItem")
	return c.API.BatchGetItem(ctx, in, o...)
}

// TestRequestsPerInvite counts the DynamoDB requests of an invite request
// of n addresses on a real store: two reads for the caller's partner, one
// batch read for every address's suppression and invite touch and the
// day's count, one conditional increment for the quota, one conditional
// put per address, and one more increment only when slots are given back.
func TestRequestsPerInvite(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		api := &countingAPI{API: b.Client, n: map[string]int{}}
		st := dynamo.New(api, b.Table)
		enroll(t, st, "user-123", "jane", "jane@example.com")
		sender := &fakeSender{refuse: func(to string) bool { return to[0] == 'r' }}
		h := newTestHandler(t, st, sender, 50)
		emails := make([]string, 25)
		for i := range emails {
			emails[i] = fmt.Sprintf("friend%d@example.com", i)
		}
		api.take()
		call(t, h, request{body: body(emails, nil)})
		want := map[string]int{"GetItem": 2, "BatchGetItem": 1, "UpdateItem": 1, "PutItem": 25}
		if got := api.take(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("25 new addresses: requests %v, want %v", got, want)
		}
		call(t, h, request{body: body(emails, nil)})
		want = map[string]int{"GetItem": 2, "BatchGetItem": 1}
		if got := api.take(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("25 invited addresses: requests %v, want %v", got, want)
		}
		call(t, h, request{body: body([]string{"refused@example.com", "new@example.com"}, nil)})
		want = map[string]int{"GetItem": 2, "BatchGetItem": 1, "UpdateItem": 2, "PutItem": 2, "DeleteItem": 1}
		if got := api.take(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("one refused, one sent: requests %v, want %v", got, want)
		}
	})
}
