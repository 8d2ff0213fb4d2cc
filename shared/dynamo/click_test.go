package dynamo

import (
	"context"
	"hash/fnv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// clickAPI answers UpdateItem at once, to measure what RecordClick itself
// costs per click.
type clickAPI struct {
	API
	expr *string
}

func (c *clickAPI) UpdateItem(_ context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.expr = in.UpdateExpression
	return &dynamodb.UpdateItemOutput{}, nil
}

func TestClickUpdate(t *testing.T) {
	at := time.Date(2026, 12, 3, 23, 59, 0, 0, time.UTC)
	want := "SET gsi2pk = :gp, gsi2sk = :gs ADD clicks :one, d20261203 :one REMOVE d20260802, d20260803"
	got := *clickUpdate(at)
	if got[:len(want)] != want || got[len(got)-len(", d20260901"):] != ", d20260901" {
		t.Errorf("click update = %s", got)
	}
	if clickUpdate(at.Add(-time.Hour)) != clickUpdate(at) {
		t.Error("the click update is built again within one day")
	}
	if next := *clickUpdate(at.Add(time.Minute)); !strings.Contains(next, "ADD clicks :one, d20261204 :one") {
		t.Errorf("after midnight: %s", next)
	}
}

// BenchmarkRecordClick is the store's share of a redirect: one
// UpdateItem input, its expression cached for the day.
func BenchmarkRecordClick(b *testing.B) {
	st := New(&clickAPI{}, "table")
	ctx := context.Background()
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if err := st.RecordClick(ctx, "pt_k7m2q9x4b8c3d6fh", now); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPartnerShardIsFNV: the hash written out by hand puts every partner
// on the shard hash/fnv put it on, where its stored ledger lives.
func TestPartnerShardIsFNV(t *testing.T) {
	for _, id := range []string{"", "a", "pt_k7m2q9x4b8c3d6fh", "pt_0", "pt_é", "pt_zzzzzzzzzzzzzzzzzzzzzzzz"} {
		h := fnv.New32a()
		h.Write([]byte(id))
		if got, want := PartnerShard(id), int(h.Sum32()%LedgerShards); got != want {
			t.Errorf("PartnerShard(%q) = %d, want %d", id, got, want)
		}
	}
}
