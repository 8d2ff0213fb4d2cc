package dynamotest

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"partnerkit/shared/dynamo"
)

// Counter wraps a client and counts its requests by operation, and the
// write units they cost as DynamoDB bills items of up to 1 KB: one per
// item written, two per item of a transaction. Tests use it to pin how
// many requests an operation makes; benchmarks, to price it.
type Counter struct {
	dynamo.API
	mu    sync.Mutex
	ops   map[string]int
	units int
}

var _ dynamo.API = (*Counter)(nil)

// NewCounter wraps api.
func NewCounter(api dynamo.API) *Counter { return &Counter{API: api, ops: map[string]int{}} }

func (c *Counter) add(op string, units int) {
	c.mu.Lock()
	c.ops[op]++
	c.units += units
	c.mu.Unlock()
}

// Take returns the requests counted since the last Take, by operation,
// and starts counting afresh.
func (c *Counter) Take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	ops := c.ops
	c.ops, c.units = map[string]int{}, 0
	return ops
}

// Writes returns the write requests and write units counted so far.
func (c *Counter) Writes() (calls, units int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, op := range []string{"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"} {
		calls += c.ops[op]
	}
	return calls, c.units
}

// GetItem counts and forwards.
func (c *Counter) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.add("GetItem", 0)
	return c.API.GetItem(ctx, in, o...)
}

// PutItem counts and forwards.
func (c *Counter) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.add("PutItem", 1)
	return c.API.PutItem(ctx, in, o...)
}

// UpdateItem counts and forwards.
func (c *Counter) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.add("UpdateItem", 1)
	return c.API.UpdateItem(ctx, in, o...)
}

// DeleteItem counts and forwards.
func (c *Counter) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	c.add("DeleteItem", 1)
	return c.API.DeleteItem(ctx, in, o...)
}

// BatchGetItem counts and forwards.
func (c *Counter) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	c.add("BatchGetItem", 0)
	return c.API.BatchGetItem(ctx, in, o...)
}

// BatchWriteItem counts and forwards.
func (c *Counter) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	n := 0
	for _, reqs := range in.RequestItems {
		n += len(reqs)
	}
	c.add("BatchWriteItem", n)
	return c.API.BatchWriteItem(ctx, in, o...)
}

// TransactWriteItems counts and forwards.
func (c *Counter) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.add("TransactWriteItems", 2*len(in.TransactItems))
	return c.API.TransactWriteItems(ctx, in, o...)
}

// Query counts and forwards.
func (c *Counter) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.add("Query", 0)
	return c.API.Query(ctx, in, o...)
}
