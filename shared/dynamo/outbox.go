package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/events"
)

// The outbox: every write that changes what an event reports also writes
// the events, in the same transaction (or, for the monthly run's batch
// writes, as an item keyed by the event, so writing it again changes
// nothing). One outbox item holds the events of one change:
//
//	OUTBOX#<first event id>  OUTBOX  events (JSON each, in order), created_at
//	                                 (gsi1: OUTBOX#<n>, <created_at>#<id>)
//
// DynamoDB Streams hand each new outbox item to the dispatcher in AWS; the
// index lists those not yet dispatched, for the local stack's drain and
// for the sweep that catches anything a stream delivery missed. An item is
// deleted once every consumer took its events; consumers drop events they
// already have by id.

// OutboxShards spreads undispatched outbox items over index partitions.
const OutboxShards = 4

// OutboxSK is the sort key of every outbox item (the streams filter on it).
const OutboxSK = "OUTBOX"

func outboxShardPK(shard int) string { return "OUTBOX#" + shardText(shard) }

func outboxShard(id string) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % OutboxShards)
}

// OutboxItem is the outbox item holding evs; nil when there are none.
func OutboxItem(evs []events.Event) map[string]types.AttributeValue {
	if len(evs) == 0 {
		return nil
	}
	list := make([]types.AttributeValue, 0, len(evs))
	for _, e := range evs {
		raw, err := json.Marshal(e)
		if err != nil {
			// An Event is strings, times and already-encoded data.
			panic(fmt.Sprintf("dynamo: encoding event %s: %v", e.ID, err))
		}
		list = append(list, s(string(raw)))
	}
	id := evs[0].ID
	created := timeText(evs[0].CreatedAt)
	item := key("OUTBOX#"+id, OutboxSK)
	item["events"] = &types.AttributeValueMemberL{Value: list}
	item["created_at"] = s(created)
	item["gsi1pk"], item["gsi1sk"] = s(outboxShardPK(outboxShard(id))), s(created+"#"+id)
	return item
}

// outboxPut is the transaction item that writes evs to the outbox, if any.
func (st *Store) outboxPut(evs []events.Event) []types.TransactWriteItem {
	item := OutboxItem(evs)
	if item == nil {
		return nil
	}
	return []types.TransactWriteItem{{Put: &types.Put{TableName: st.table, Item: item}}}
}

// Outbox is one undispatched outbox item.
type Outbox struct {
	ID     string // the item's id, for DeleteOutbox
	Events []events.Event
}

// OutboxFrom reads an outbox item, from the table or from a stream record
// converted to the SDK's attribute values.
func OutboxFrom(item map[string]types.AttributeValue) (Outbox, error) {
	pk := str(item, attrPK)
	if len(pk) <= len("OUTBOX#") || str(item, attrSK) != OutboxSK {
		return Outbox{}, fmt.Errorf("dynamo: not an outbox item: %q", pk)
	}
	o := Outbox{ID: pk[len("OUTBOX#"):]}
	l, _ := item["events"].(*types.AttributeValueMemberL)
	if l == nil {
		return Outbox{}, fmt.Errorf("dynamo: outbox item %s has no events", o.ID)
	}
	for _, v := range l.Value {
		sv, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			return Outbox{}, fmt.Errorf("dynamo: malformed outbox item %s", o.ID)
		}
		var e events.Event
		if err := json.Unmarshal([]byte(sv.Value), &e); err != nil {
			return Outbox{}, fmt.Errorf("dynamo: malformed event in outbox item %s: %w", o.ID, err)
		}
		o.Events = append(o.Events, e)
	}
	return o, nil
}

// PendingOutbox returns up to limit undispatched outbox items of every
// shard created before the given time (older first within a shard),
// reading at most limit items per shard: the drain's and the sweep's
// bounded read.
func (st *Store) PendingOutbox(ctx context.Context, before time.Time, limit int) ([]Outbox, error) {
	var out []Outbox
	for shard := 0; shard < OutboxShards && len(out) < limit; shard++ {
		q, err := st.db.Query(ctx, &dynamodb.QueryInput{
			TableName: st.table, IndexName: aws.String("gsi1"),
			KeyConditionExpression: aws.String("gsi1pk = :pk AND gsi1sk < :before"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": s(outboxShardPK(shard)), ":before": s(timeText(before) + "$"),
			},
			Limit: aws.Int32(int32(limit - len(out))),
		})
		if err != nil {
			return nil, fmt.Errorf("dynamo: reading the outbox: %w", err)
		}
		for _, item := range q.Items {
			if len(out) == limit {
				break
			}
			o, err := OutboxFrom(item)
			if err != nil {
				return nil, err
			}
			out = append(out, o)
		}
	}
	return out, nil
}

// DeleteOutbox removes a dispatched outbox item.
func (st *Store) DeleteOutbox(ctx context.Context, id string) error {
	_, err := st.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: st.table, Key: key("OUTBOX#"+id, OutboxSK)})
	if err != nil {
		return fmt.Errorf("dynamo: deleting outbox item %s: %w", id, err)
	}
	return nil
}

// OutboxEvents returns the events of one outbox item, or ErrNotFound once it
// is dispatched.
func (st *Store) OutboxEvents(ctx context.Context, id string) (Outbox, error) {
	item, err := st.get(ctx, "OUTBOX#"+id, OutboxSK, true)
	if err != nil {
		return Outbox{}, err
	}
	return OutboxFrom(item)
}
