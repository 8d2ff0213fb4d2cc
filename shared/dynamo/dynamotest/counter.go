package dynamotest

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/dynamo"
)

// Counter wraps a client and counts its requests by operation, and the
// capacity units they consume. It asks every call for its consumed
// capacity (ReturnConsumedCapacity INDEXES), so units are the server's own
// figures, index writes included; from a server that reports none (the
// embedded one), write units fall back to an estimate: one per item
// written, two per item of a transaction, indexes not counted. A
// transaction counts at least two units an item whatever the server says.
// Tests use it
// to pin how many requests and units an operation costs; benchmarks, to
// price it.
type Counter struct {
	dynamo.API
	mu       sync.Mutex
	ops      map[string]int
	reported bool    // the server reported consumed capacity
	estimate float64 // write units estimated from the requests
	read     float64 // read units reported
	write    float64 // write units reported
	index    float64 // of which written to indexes
}

var _ dynamo.API = (*Counter)(nil)

// NewCounter wraps api.
func NewCounter(api dynamo.API) *Counter { return &Counter{API: api, ops: map[string]int{}} }

func (c *Counter) add(op string, estimate int) {
	c.mu.Lock()
	c.ops[op]++
	c.estimate += float64(estimate)
	c.mu.Unlock()
}

// consumed adds what the server reported; write tells which column a
// plain CapacityUnits figure belongs to.
func (c *Counter) consumed(write bool, ccs ...types.ConsumedCapacity) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cc := range ccs {
		c.reported = true
		r, w := val(cc.ReadCapacityUnits), val(cc.WriteCapacityUnits)
		if r == 0 && w == 0 {
			// Only the total was reported: it is of the call's kind.
			if write {
				w = val(cc.CapacityUnits)
			} else {
				r = val(cc.CapacityUnits)
			}
		}
		c.read += r
		c.write += w
		if write {
			for _, ic := range cc.GlobalSecondaryIndexes {
				iw := val(ic.WriteCapacityUnits)
				if iw == 0 {
					iw = val(ic.CapacityUnits)
				}
				c.index += iw
			}
		}
	}
}

func val(f *float64) float64 {
	if f == nil {
		return 0
	}
	return *f
}

func ptr(f float64) *float64 { return &f }

func one(cc *types.ConsumedCapacity) []types.ConsumedCapacity {
	if cc == nil {
		return nil
	}
	return []types.ConsumedCapacity{*cc}
}

// Take returns the requests counted since the last Take, by operation,
// and starts counting afresh, units included.
func (c *Counter) Take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	ops := c.ops
	c.ops, c.estimate, c.read, c.write, c.index, c.reported = map[string]int{}, 0, 0, 0, 0, false
	return ops
}

// Writes returns the write requests and write units counted so far: the
// units the server reported (index writes included) or, from a server that
// reports none, the estimate.
func (c *Counter) Writes() (calls int, units float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, op := range []string{"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"} {
		calls += c.ops[op]
	}
	if c.reported {
		return calls, c.write
	}
	return calls, c.estimate
}

// IndexWrites returns the write units the server reported for indexes,
// which Writes includes: an index write is billed like a table write but
// made by DynamoDB after the request, not by it.
func (c *Counter) IndexWrites() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.index
}

// Reads returns the read requests and the read units the server reported
// (zero from a server that reports none).
func (c *Counter) Reads() (calls int, units float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, op := range []string{"GetItem", "BatchGetItem", "Query"} {
		calls += c.ops[op]
	}
	return calls, c.read
}

// GetItem counts and forwards.
func (c *Counter) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.add("GetItem", 0)
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityIndexes
	out, err := c.API.GetItem(ctx, in, o...)
	if err == nil {
		c.consumed(false, one(out.ConsumedCapacity)...)
	}
	return out, err
}

// PutItem counts and forwards.
func (c *Counter) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.add("PutItem", 1)
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityIndexes
	out, err := c.API.PutItem(ctx, in, o...)
	if err == nil {
		c.consumed(true, one(out.ConsumedCapacity)...)
	}
	return out, err
}

// UpdateItem counts and forwards.
func (c *Counter) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.add("UpdateItem", 1)
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityIndexes
	out, err := c.API.UpdateItem(ctx, in, o...)
	if err == nil {
		c.consumed(true, one(out.ConsumedCapacity)...)
	}
	return out, err
}

// DeleteItem counts and forwards.
func (c *Counter) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	c.add("DeleteItem", 1)
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityIndexes
	out, err := c.API.DeleteItem(ctx, in, o...)
	if err == nil {
		c.consumed(true, one(out.ConsumedCapacity)...)
	}
	return out, err
}

// BatchGetItem counts and forwards.
func (c *Counter) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	c.add("BatchGetItem", 0)
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityIndexes
	out, err := c.API.BatchGetItem(ctx, in, o...)
	if err == nil {
		c.consumed(false, out.ConsumedCapacity...)
	}
	return out, err
}

// BatchWriteItem counts and forwards.
func (c *Counter) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	n := 0
	for _, reqs := range in.RequestItems {
		n += len(reqs)
	}
	c.add("BatchWriteItem", n)
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityIndexes
	out, err := c.API.BatchWriteItem(ctx, in, o...)
	if err == nil {
		c.consumed(true, out.ConsumedCapacity...)
	}
	return out, err
}

// TransactWriteItems counts and forwards.
func (c *Counter) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.add("TransactWriteItems", 2*len(in.TransactItems))
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityIndexes
	out, err := c.API.TransactWriteItems(ctx, in, o...)
	if err == nil {
		// DynamoDB Local reports less than a transaction costs (4 units for
		// three puts of small indexed items, where DynamoDB bills 6 and
		// the index writes): never count less than two units an item.
		var sum float64
		for _, cc := range out.ConsumedCapacity {
			sum += val(cc.CapacityUnits)
		}
		floor := float64(2 * len(in.TransactItems))
		c.consumed(true, types.ConsumedCapacity{CapacityUnits: &floor})
		for _, cc := range out.ConsumedCapacity {
			c.consumed(true, types.ConsumedCapacity{CapacityUnits: ptr(0), GlobalSecondaryIndexes: cc.GlobalSecondaryIndexes})
		}
		if sum > floor {
			c.consumed(true, types.ConsumedCapacity{CapacityUnits: ptr(sum - floor)})
		}
	}
	return out, err
}

// Query counts and forwards.
func (c *Counter) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.add("Query", 0)
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityIndexes
	out, err := c.API.Query(ctx, in, o...)
	if err == nil {
		c.consumed(false, one(out.ConsumedCapacity)...)
	}
	return out, err
}
