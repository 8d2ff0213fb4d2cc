package partners

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
)

// readUnits asks DynamoDB for the capacity each read consumes and adds it
// up: what a request really costs, index reads included.
type readUnits struct {
	dynamo.API
	mu    sync.Mutex
	units float64
}

func (r *readUnits) add(cc ...types.ConsumedCapacity) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range cc {
		if c.CapacityUnits != nil {
			r.units += *c.CapacityUnits
		}
	}
}

func (r *readUnits) take() float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	u := r.units
	r.units = 0
	return u
}

func (r *readUnits) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := r.API.GetItem(ctx, in, o...)
	if err == nil && out.ConsumedCapacity != nil {
		r.add(*out.ConsumedCapacity)
	}
	return out, err
}

func (r *readUnits) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := r.API.BatchGetItem(ctx, in, o...)
	if err == nil {
		r.add(out.ConsumedCapacity...)
	}
	return out, err
}

func (r *readUnits) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := r.API.Query(ctx, in, o...)
	if err == nil && out.ConsumedCapacity != nil {
		r.add(*out.ConsumedCapacity)
	}
	return out, err
}

// The Partner Center's activity and customer pages read the same units
// for a partner with a short history and one with a long one (design:
// every API read is bounded). Read units as DynamoDB Local reports them.
func TestCenterReadsAreBounded(t *testing.T) {
	b := dynamotest.DynamoDBLocal(t)
	ctx := context.Background()
	ru := &readUnits{API: b.Client}
	st := dynamo.New(ru, b.Table)
	h, _ := centerHandler(t, st)
	small := enroll(t, h, "small", "small@example.com", "small-one")
	large := enroll(t, h, "large", "large@example.com", "large-one")
	// Both have clicks on every shard (DynamoDB Local charges nothing for
	// an item that is not there); one on a single day, one on 100 days.
	for _, c := range []struct {
		id                      string
		days, perDay, customers int
	}{{small, 1, 160, 1}, {large, 100, 3, 200}} {
		for d := c.days - 1; d >= 0; d-- {
			for range c.perDay {
				if err := st.RecordClick(ctx, c.id, testNow.AddDate(0, 0, -d)); err != nil {
					t.Fatal(err)
				}
			}
		}
		for i := range c.customers {
			attribute(t, st, fmt.Sprintf("cus_%s_%d", c.id, i), c.id, fmt.Sprintf("c%d@example.com", i), testNow.Add(-time.Duration(i)*time.Minute), testNow)
		}
	}

	measure := func(sub, route string, query map[string]string) float64 {
		ru.take()
		if r := get(t, h, request{route: route, id: "me", sub: sub}, query, nil); r.StatusCode != 200 {
			t.Fatalf("%s: %d %s", route, r.StatusCode, r.Body)
		}
		return ru.take()
	}
	tests := []struct {
		name, route string
		query       map[string]string
	}{
		{"activity, last 30 days", "GET /partners/{id}/activity", nil},
		{"activity, 92 days", "GET /partners/{id}/activity", map[string]string{"from": testNow.AddDate(0, 0, -91).Format("2006-01-02")}},
		{"customers, page of 1", "GET /partners/{id}/customers", map[string]string{"limit": "1"}},
	}
	for _, tt := range tests {
		s, l := measure("small", tt.route, tt.query), measure("large", tt.route, tt.query)
		t.Logf("%s: %.1f read units at 1 day / 1 customer, %.1f at 100 days / 200 customers", tt.name, s, l)
		if s != l || s == 0 {
			t.Errorf("%s: %.1f read units small, %.1f large; want the same", tt.name, s, l)
		}
	}
	// A full default page reads at most 101 entries, whatever the list's length.
	page := measure("large", "GET /partners/{id}/customers", nil)
	t.Logf("customers, default page of 100 at 200 customers: %.1f read units", page)
	if limit := 2 + math.Ceil(101*1024/4096.0)/2; page > limit {
		t.Errorf("a default page read %.1f units, want at most %.1f", page, limit)
	}
}
