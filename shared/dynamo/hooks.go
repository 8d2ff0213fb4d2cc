package dynamo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/events"
	"partnerkit/shared/hooks"
)

// Outbound webhooks (package hooks):
//
//	HOOK#<ep>            ENDPOINT   an endpoint (gsi1: HOOKS, <created>#<ep>)
//	DELIVERY#<ep>#<evt>  DELIVERY   an event's delivery to an endpoint, written
//	                                once per pair (gsi1: HOOKLOG#<ep>, newest first)
//	HOOKQ#<ep>#<queue>   <created>#<evt>  a delivery waiting in its partner's queue
//	HOOKQ#<ep>#<queue>   ~HEAD      the queue's next attempt and lease
//	                                (gsi1: HOOKDUE#<n>, <next>#<ep>#<queue> while due)
//
// A queue holds one partner's deliveries to one endpoint in the order
// their events were recorded; only its first is attempted, so a later
// event waits while an earlier one is retried.

const (
	hooksPK   = "HOOKS"
	headSK    = "~HEAD" // after every <created>#<evt>
	DueShards = 4
)

// ErrEndpointChanged reports a concurrent change of an endpoint.
var ErrEndpointChanged = errors.New("dynamo: endpoint changed meanwhile")

func endpointKey(id string) map[string]types.AttributeValue { return key("HOOK#"+id, "ENDPOINT") }

func deliveryKey(ep, evt string) map[string]types.AttributeValue {
	return key("DELIVERY#"+ep+"#"+evt, "DELIVERY")
}

func queuePK(ep, queue string) string { return "HOOKQ#" + ep + "#" + queue }

func dueShardPK(ep, queue string) string {
	h := fnv.New32a()
	h.Write([]byte(ep + "#" + queue))
	return "HOOKDUE#" + shardText(int(h.Sum32()%DueShards))
}

func dueSK(next time.Time, ep, queue string) string { return timeText(next) + "#" + ep + "#" + queue }

func tm(item map[string]types.AttributeValue, name string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, str(item, name))
	return t
}

func optTime(t time.Time) types.AttributeValue {
	if t.IsZero() {
		return s("")
	}
	return s(timeText(t))
}

func endpointItem(e hooks.Endpoint) map[string]types.AttributeValue {
	item := endpointKey(e.ID)
	evs := make([]types.AttributeValue, 0, len(e.Events))
	for _, t := range e.Events {
		evs = append(evs, s(t))
	}
	item["endpoint_id"] = s(e.ID)
	item["url"] = s(e.URL)
	item["description"] = s(e.Description)
	item["events"] = &types.AttributeValueMemberL{Value: evs}
	item["status"] = s(e.Status)
	item["disabled_reason"] = s(e.DisabledReason)
	item["secret"] = s(e.Secret)
	item["previous_secret"] = s(e.PreviousSecret)
	item["previous_until"] = optTime(e.PreviousUntil)
	item["failing_since"] = optTime(e.FailingSince)
	item["created_at"] = s(timeText(e.CreatedAt))
	item["updated_at"] = s(timeText(e.UpdatedAt))
	item["gsi1pk"], item["gsi1sk"] = s(hooksPK), s(timeText(e.CreatedAt)+"#"+e.ID)
	return item
}

func endpointFrom(item map[string]types.AttributeValue) hooks.Endpoint {
	e := hooks.Endpoint{ID: str(item, "endpoint_id"), URL: str(item, "url"), Description: str(item, "description"),
		Status: str(item, "status"), DisabledReason: str(item, "disabled_reason"), Secret: str(item, "secret"),
		PreviousSecret: str(item, "previous_secret"), PreviousUntil: tm(item, "previous_until"),
		FailingSince: tm(item, "failing_since"), CreatedAt: tm(item, "created_at"), UpdatedAt: tm(item, "updated_at")}
	if l, ok := item["events"].(*types.AttributeValueMemberL); ok {
		for _, v := range l.Value {
			if sv, ok := v.(*types.AttributeValueMemberS); ok {
				e.Events = append(e.Events, sv.Value)
			}
		}
	}
	return e
}

// PutEndpoint writes an endpoint. A new one (create) must not exist; an
// existing one must still have been updated at prev (its UpdatedAt as
// read), or ErrEndpointChanged.
func (st *Store) PutEndpoint(ctx context.Context, e hooks.Endpoint, create bool, prev time.Time) error {
	in := &dynamodb.PutItemInput{TableName: st.table, Item: endpointItem(e)}
	if create {
		in.ConditionExpression = aws.String("attribute_not_exists(pk)")
	} else {
		in.ConditionExpression = aws.String("updated_at = :prev")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":prev": s(timeText(prev))}
	}
	_, err := st.db.PutItem(ctx, in)
	if _, lost := conditionFailed(err); lost {
		return ErrEndpointChanged
	}
	if err != nil {
		return fmt.Errorf("dynamo: writing endpoint: %w", err)
	}
	return nil
}

// Endpoint returns an endpoint, or ErrNotFound.
func (st *Store) Endpoint(ctx context.Context, id string) (hooks.Endpoint, error) {
	item, err := st.get(ctx, "HOOK#"+id, "ENDPOINT", true)
	if err != nil {
		return hooks.Endpoint{}, err
	}
	return endpointFrom(item), nil
}

// DeleteEndpoint removes an endpoint; its waiting deliveries are dropped
// by the workers that find it gone.
func (st *Store) DeleteEndpoint(ctx context.Context, id string) error {
	_, err := st.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: st.table, Key: endpointKey(id),
		ConditionExpression: aws.String("attribute_exists(pk)")})
	if _, lost := conditionFailed(err); lost {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("dynamo: deleting endpoint: %w", err)
	}
	return nil
}

// Endpoints returns every endpoint, oldest first (at most
// hooks.MaxEndpoints exist).
func (st *Store) Endpoints(ctx context.Context) ([]hooks.Endpoint, error) {
	var out []hooks.Endpoint
	err := st.query(ctx, &dynamodb.QueryInput{TableName: st.table, IndexName: aws.String("gsi1"),
		KeyConditionExpression:    aws.String("gsi1pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s(hooksPK)},
	}, func(item map[string]types.AttributeValue) error {
		out = append(out, endpointFrom(item))
		return nil
	})
	return out, err
}

// EndpointsPage lists endpoints oldest first, a page at a time.
func (st *Store) EndpointsPage(ctx context.Context, pg Page) ([]hooks.Endpoint, string, error) {
	items, next, err := st.queryPage(ctx, listQuery{
		in: &dynamodb.QueryInput{IndexName: aws.String("gsi1"), KeyConditionExpression: aws.String("gsi1pk = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s(hooksPK)}},
		partAttr: "gsi1pk", partValue: hooksPK, keyAttrs: gsi1KeyAttrs,
	}, pg)
	if err != nil {
		return nil, "", err
	}
	out := make([]hooks.Endpoint, 0, len(items))
	for _, item := range items {
		out = append(out, endpointFrom(item))
	}
	return out, next, nil
}

// EndpointFailed records a failed delivery on an endpoint: the start of
// its failing streak unless one is under way, and the endpoint disabled
// once the streak lasts hooks.DisableAfter. It returns the endpoint as
// it now is.
func (st *Store) EndpointFailed(ctx context.Context, id string, now time.Time) (hooks.Endpoint, error) {
	out, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: st.table, Key: endpointKey(id),
		UpdateExpression:          aws.String("SET failing_since = :now"),
		ConditionExpression:       aws.String("attribute_exists(pk) AND failing_since = :empty"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": s(timeText(now)), ":empty": s("")},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if _, lost := conditionFailed(err); !lost {
		if err != nil {
			return hooks.Endpoint{}, fmt.Errorf("dynamo: recording a failure: %w", err)
		}
		return endpointFrom(out.Attributes), nil
	}
	e, err := st.Endpoint(ctx, id)
	if err != nil || !hooks.Disable(e.FailingSince, now) || e.Status != hooks.StatusEnabled {
		return e, err
	}
	_, err = st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: st.table, Key: endpointKey(id),
		UpdateExpression:          aws.String("SET #s = :off, disabled_reason = :why, updated_at = :now"),
		ConditionExpression:       aws.String("#s = :on AND failing_since = :since"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":off": s(hooks.StatusDisabled), ":on": s(hooks.StatusEnabled), ":why": s(hooks.DisabledFailing), ":now": s(timeText(now)), ":since": s(timeText(e.FailingSince))},
	})
	if _, lost := conditionFailed(err); err != nil && !lost {
		return e, fmt.Errorf("dynamo: disabling endpoint: %w", err)
	}
	return st.Endpoint(ctx, id)
}

// EndpointSucceeded ends an endpoint's failing streak, if one is under way.
func (st *Store) EndpointSucceeded(ctx context.Context, id string) error {
	_, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: st.table, Key: endpointKey(id),
		UpdateExpression:          aws.String("SET failing_since = :empty"),
		ConditionExpression:       aws.String("attribute_exists(pk) AND failing_since <> :empty"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":empty": s("")},
	})
	if _, lost := conditionFailed(err); err != nil && !lost {
		return fmt.Errorf("dynamo: recording a success: %w", err)
	}
	return nil
}

func deliveryItem(d hooks.Delivery) map[string]types.AttributeValue {
	item := deliveryKey(d.EndpointID, d.EventID)
	item["endpoint_id"] = s(d.EndpointID)
	item["event_id"] = s(d.EventID)
	item["event_type"] = s(d.EventType)
	item["partner_id"] = s(d.PartnerID)
	item["body"] = s(string(d.Body))
	item["created_at"] = s(timeText(d.CreatedAt))
	item["status"] = s(d.Status)
	item["attempts"] = i64(int64(d.Attempts))
	item["last_code"] = i64(int64(d.LastCode))
	item["last_error"] = s(d.LastError)
	item["last_latency_ms"] = i64(d.LastLatency.Milliseconds())
	item["first_attempt_at"] = optTime(d.FirstAttempt)
	item["last_attempt_at"] = optTime(d.LastAttempt)
	item["next_attempt_at"] = optTime(d.NextAttempt)
	item["delivered_at"] = optTime(d.DeliveredAt)
	item["redelivered_by"] = s(d.RedeliveredBy)
	item["gsi1pk"], item["gsi1sk"] = s("HOOKLOG#"+d.EndpointID), s(timeText(d.CreatedAt)+"#"+d.EventID)
	if d.Status != hooks.DeliveryPending && !d.LastAttempt.IsZero() {
		// The log keeps finished deliveries for DeliveryLogTTL; a pending
		// one stays until it is done.
		item[attrExpires] = i64(d.LastAttempt.Add(DeliveryLogTTL).Unix())
	}
	return item
}

// DeliveryLogTTL is how long a finished delivery stays in its endpoint's
// log (and can be redelivered).
const DeliveryLogTTL = 30 * 24 * time.Hour

func deliveryFrom(item map[string]types.AttributeValue) hooks.Delivery {
	attempts, _ := num(item, "attempts")
	code, _ := num(item, "last_code")
	lat, _ := num(item, "last_latency_ms")
	return hooks.Delivery{EndpointID: str(item, "endpoint_id"), EventID: str(item, "event_id"), EventType: str(item, "event_type"),
		PartnerID: str(item, "partner_id"), Body: []byte(str(item, "body")), CreatedAt: tm(item, "created_at"),
		Status: str(item, "status"), Attempts: int(attempts), LastCode: int(code), LastError: str(item, "last_error"),
		LastLatency: time.Duration(lat) * time.Millisecond, FirstAttempt: tm(item, "first_attempt_at"),
		LastAttempt: tm(item, "last_attempt_at"), NextAttempt: tm(item, "next_attempt_at"), DeliveredAt: tm(item, "delivered_at"),
		RedeliveredBy: str(item, "redelivered_by")}
}

func queueSK(d hooks.Delivery) string { return timeText(d.CreatedAt) + "#" + d.EventID }

// queueEntry puts d in its queue.
func (st *Store) queueEntry(d hooks.Delivery) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{TableName: st.table, Item: map[string]types.AttributeValue{
		attrPK: s(queuePK(d.EndpointID, d.Queue())), attrSK: s(queueSK(d)), "endpoint_id": s(d.EndpointID), "event_id": s(d.EventID)}}}
}

// ensureHead makes d's queue due at now unless it already has a head (it
// is due, or waits for a retry); either way the head's version moves, so
// a worker that found the queue empty does not remove it. It runs after
// the entry is written: a crash between the two leaves the outbox item,
// and dispatching it again comes back here.
func (st *Store) ensureHead(ctx context.Context, d hooks.Delivery, now time.Time) error {
	q := d.Queue()
	pk := queuePK(d.EndpointID, q)
	_, err := st.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: st.table,
		Item: map[string]types.AttributeValue{attrPK: s(pk), attrSK: s(headSK), "endpoint_id": s(d.EndpointID), "queue": s(q),
			"next_at": s(timeText(now)), "version": n("1"), "lease_until": s(""),
			"gsi1pk": s(dueShardPK(d.EndpointID, q)), "gsi1sk": s(dueSK(now, d.EndpointID, q))},
		ConditionExpression: aws.String("attribute_not_exists(pk)")})
	if _, lost := conditionFailed(err); lost {
		_, err = st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: st.table, Key: key(pk, headSK),
			UpdateExpression: aws.String("ADD version :one"), ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1")}})
	}
	if err != nil {
		return fmt.Errorf("dynamo: queueing %s: %w", d.EventID, err)
	}
	return nil
}

// Enqueue records the delivery of e to endpoint ep, once: a second call
// for the same pair (a redelivered stream record, a monthly run's rewrite
// of its outbox item) writes no second delivery and reports false.
func (st *Store) Enqueue(ctx context.Context, ep string, e events.Event, now time.Time) (bool, error) {
	body, err := json.Marshal(e)
	if err != nil {
		return false, fmt.Errorf("dynamo: encoding event %s: %w", e.ID, err)
	}
	d := hooks.Delivery{EndpointID: ep, EventID: e.ID, EventType: e.Type, PartnerID: e.PartnerID, Body: body,
		CreatedAt: e.CreatedAt, Status: hooks.DeliveryPending}
	_, err = st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: st.table, Item: deliveryItem(d), ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		st.queueEntry(d)}})
	created := true
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) && len(tce.CancellationReasons) > 0 && aws.ToString(tce.CancellationReasons[0].Code) == "ConditionalCheckFailed" {
		// Enqueued before: its queue may still lack its head.
		created, err = false, nil
		if prev, gerr := st.Delivery(ctx, ep, e.ID); gerr != nil || prev.Status != hooks.DeliveryPending {
			return false, gerr
		}
	}
	if err != nil {
		return false, fmt.Errorf("dynamo: enqueueing %s: %w", e.ID, err)
	}
	return created, st.ensureHead(ctx, d, now)
}

// QueueRef names a queue.
type QueueRef struct {
	EndpointID string
	Queue      string
}

// DueQueues returns up to limit queues whose next attempt is at or before
// now, from every due shard: a bounded read of an index that holds only
// queues with deliveries waiting.
func (st *Store) DueQueues(ctx context.Context, now time.Time, limit int) ([]QueueRef, error) {
	var out []QueueRef
	for shard := 0; shard < DueShards && len(out) < limit; shard++ {
		q, err := st.db.Query(ctx, &dynamodb.QueryInput{TableName: st.table, IndexName: aws.String("gsi1"),
			KeyConditionExpression: aws.String("gsi1pk = :p AND gsi1sk <= :now"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":p": s("HOOKDUE#" + shardText(shard)), ":now": s(timeText(now) + "~")},
			Limit: aws.Int32(int32(limit - len(out))),
		})
		if err != nil {
			return nil, fmt.Errorf("dynamo: reading due queues: %w", err)
		}
		for _, item := range q.Items {
			if len(out) == limit {
				break
			}
			out = append(out, QueueRef{EndpointID: str(item, "endpoint_id"), Queue: str(item, "queue")})
		}
	}
	return out, nil
}

// Lease is a worker's hold on a queue: while it lasts no other worker
// attempts the queue's deliveries, so they go one at a time, in order.
type Lease struct {
	QueueRef
	Until   time.Time
	Version int64
	NextAt  time.Time
}

// ErrLeased reports a queue another worker holds, or one not due.
var ErrLeased = errors.New("dynamo: queue held by another worker or not due")

// ClaimQueue leases a due queue until until.
func (st *Store) ClaimQueue(ctx context.Context, q QueueRef, now, until time.Time) (Lease, error) {
	out, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: st.table, Key: key(queuePK(q.EndpointID, q.Queue), headSK),
		UpdateExpression:          aws.String("SET lease_until = :until"),
		ConditionExpression:       aws.String("attribute_exists(pk) AND next_at <= :now AND (attribute_not_exists(lease_until) OR lease_until < :now)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":until": s(timeText(until)), ":now": s(timeText(now))},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if _, lost := conditionFailed(err); lost {
		return Lease{}, ErrLeased
	}
	if err != nil {
		return Lease{}, fmt.Errorf("dynamo: claiming queue: %w", err)
	}
	v, _ := num(out.Attributes, "version")
	return Lease{QueueRef: q, Until: until, Version: v, NextAt: tm(out.Attributes, "next_at")}, nil
}

// FirstDelivery returns the delivery at the front of a leased queue, or
// false when the queue is empty.
func (st *Store) FirstDelivery(ctx context.Context, l Lease) (hooks.Delivery, bool, error) {
	out, err := st.db.Query(ctx, &dynamodb.QueryInput{TableName: st.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :p AND sk < :head"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s(queuePK(l.EndpointID, l.Queue)), ":head": s(headSK)},
		Limit:                     aws.Int32(1),
	})
	if err != nil {
		return hooks.Delivery{}, false, fmt.Errorf("dynamo: reading queue: %w", err)
	}
	if len(out.Items) == 0 {
		return hooks.Delivery{}, false, nil
	}
	item, err := st.get(ctx, "DELIVERY#"+l.EndpointID+"#"+str(out.Items[0], "event_id"), "DELIVERY", true)
	if err != nil {
		return hooks.Delivery{}, false, err
	}
	return deliveryFrom(item), true, nil
}

// ReleaseEmpty deletes an empty queue's head unless a delivery was
// enqueued since the lease was taken; it reports whether it did.
func (st *Store) ReleaseEmpty(ctx context.Context, l Lease) (bool, error) {
	_, err := st.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: st.table, Key: key(queuePK(l.EndpointID, l.Queue), headSK),
		ConditionExpression:       aws.String("version = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": i64(l.Version)}})
	if _, lost := conditionFailed(err); lost {
		return false, st.Release(ctx, l)
	}
	if err != nil {
		return false, fmt.Errorf("dynamo: releasing queue: %w", err)
	}
	return true, nil
}

// Release ends a lease.
func (st *Store) Release(ctx context.Context, l Lease) error {
	_, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: st.table, Key: key(queuePK(l.EndpointID, l.Queue), headSK),
		UpdateExpression:          aws.String("SET lease_until = :none"),
		ConditionExpression:       aws.String("lease_until = :mine"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":none": s(""), ":mine": s(timeText(l.Until))}})
	if _, lost := conditionFailed(err); err != nil && !lost {
		return fmt.Errorf("dynamo: releasing queue: %w", err)
	}
	return nil
}

// headAt moves a queue's next attempt to next.
func (st *Store) headAt(l Lease, next time.Time) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{TableName: st.table, Key: key(queuePK(l.EndpointID, l.Queue), headSK),
		UpdateExpression:          aws.String("SET next_at = :n, gsi1sk = :sk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": s(timeText(next)), ":sk": s(dueSK(next, l.EndpointID, l.Queue))}}}
}

// Attempted records an attempt of the delivery at the front of a leased
// queue, as d now is. A delivered or failed one leaves the queue and the
// next one becomes due at now; a pending one makes the queue due at
// d.NextAttempt.
func (st *Store) Attempted(ctx context.Context, l Lease, d hooks.Delivery, now time.Time) error {
	items := []types.TransactWriteItem{{Put: &types.Put{TableName: st.table, Item: deliveryItem(d)}}}
	if d.Status == hooks.DeliveryPending {
		items = append(items, st.headAt(l, d.NextAttempt))
	} else {
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: st.table,
			Key: key(queuePK(l.EndpointID, l.Queue), queueSK(d))}}, st.headAt(l, now))
	}
	_, err := st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err != nil {
		return fmt.Errorf("dynamo: recording attempt of %s: %w", d.EventID, err)
	}
	return nil
}

// Defer makes a leased queue due again at next without attempting it (its
// endpoint is disabled).
func (st *Store) Defer(ctx context.Context, l Lease, next time.Time) error {
	_, err := st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{st.headAt(l, next)}})
	if err != nil {
		return fmt.Errorf("dynamo: deferring queue: %w", err)
	}
	return nil
}

// DropDelivery removes the delivery at the front of a leased queue whose
// endpoint is gone.
func (st *Store) DropDelivery(ctx context.Context, l Lease, d hooks.Delivery) error {
	_, err := st.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: st.table, Key: key(queuePK(l.EndpointID, l.Queue), queueSK(d))})
	if err != nil {
		return fmt.Errorf("dynamo: dropping delivery: %w", err)
	}
	return nil
}

// Delivery returns one delivery's log entry, or ErrNotFound.
func (st *Store) Delivery(ctx context.Context, ep, eventID string) (hooks.Delivery, error) {
	item, err := st.get(ctx, "DELIVERY#"+ep+"#"+eventID, "DELIVERY", true)
	if err != nil {
		return hooks.Delivery{}, err
	}
	return deliveryFrom(item), nil
}

// Deliveries lists an endpoint's deliveries, newest first, a page at a
// time.
func (st *Store) Deliveries(ctx context.Context, ep string, pg Page) ([]hooks.Delivery, string, error) {
	pk := "HOOKLOG#" + ep
	items, next, err := st.queryPage(ctx, listQuery{
		in: &dynamodb.QueryInput{IndexName: aws.String("gsi1"), KeyConditionExpression: aws.String("gsi1pk = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s(pk)}, ScanIndexForward: aws.Bool(false)},
		partAttr: "gsi1pk", partValue: pk, keyAttrs: gsi1KeyAttrs,
	}, pg)
	if err != nil {
		return nil, "", err
	}
	out := make([]hooks.Delivery, 0, len(items))
	for _, item := range items {
		out = append(out, deliveryFrom(item))
	}
	return out, next, nil
}

// ErrDeliveryPending reports a redelivery of a delivery still waiting.
var ErrDeliveryPending = errors.New("dynamo: delivery still pending")

// Redeliver puts a delivered or failed delivery back in its queue, as a
// new run of attempts; the event keeps its id.
func (st *Store) Redeliver(ctx context.Context, d hooks.Delivery, by string, now time.Time) (hooks.Delivery, error) {
	prev := d.Status
	if prev == hooks.DeliveryPending {
		return d, ErrDeliveryPending
	}
	d.Status, d.Attempts, d.FirstAttempt, d.NextAttempt, d.RedeliveredBy = hooks.DeliveryPending, 0, time.Time{}, time.Time{}, by
	items := []types.TransactWriteItem{{Put: &types.Put{TableName: st.table, Item: deliveryItem(d),
		ConditionExpression:       aws.String("#s = :prev"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":prev": s(prev)}}}, st.queueEntry(d)}
	_, err := st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if Contended(err) {
		return d, ErrDeliveryPending
	}
	if err != nil {
		return d, fmt.Errorf("dynamo: redelivering: %w", err)
	}
	return d, st.ensureHead(ctx, d, now)
}

// LogDelivery writes a delivery that is not queued (a test event sent at
// once) to its endpoint's log.
func (st *Store) LogDelivery(ctx context.Context, d hooks.Delivery) error {
	_, err := st.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: st.table, Item: deliveryItem(d)})
	if err != nil {
		return fmt.Errorf("dynamo: logging delivery: %w", err)
	}
	return nil
}
