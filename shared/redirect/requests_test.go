package redirect

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

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

// TestRequestsPerRedirect counts the DynamoDB requests of a redirect on a
// real store: a new visitor costs one write for the click and one for the
// first touch (sent together), a returning visitor one write, and a cached
// code no read. These counts are what infra/COSTS.md prices.
func TestRequestsPerRedirect(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		api := &countingAPI{API: b.Client, n: map[string]int{}}
		st := dynamo.New(api, b.Table)
		if _, _, err := st.CreatePartner(ctx, dynamo.Partner{ID: "pt_a", Code: "abcd2345", Subject: "u", Status: dynamo.StatusActive, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		api.take()
		h, _ := testHandler(t, st)

		first := invoke(t, h, fixture(t))
		if got := api.take(); got["GetItem"] != 1 || got["UpdateItem"] != 1 || got["PutItem"] != 1 || len(got) != 3 {
			t.Errorf("cold-cache new visitor: requests %v, want GetItem 1, UpdateItem 1, PutItem 1", got)
		}
		invoke(t, h, fixture(t))
		if got := api.take(); got["GetItem"] != 0 || got["UpdateItem"] != 1 || got["PutItem"] != 1 {
			t.Errorf("warm new visitor: requests %v, want UpdateItem 1, PutItem 1 and no read", got)
		}
		invoke(t, h, event(t, func(ev map[string]any) { ev["cookies"] = []any{strings.SplitN(first.Cookies[0], ";", 2)[0]} }))
		if got := api.take(); got["UpdateItem"] != 1 || len(got) != 1 {
			t.Errorf("returning visitor: requests %v, want only UpdateItem 1", got)
		}
	})
}
