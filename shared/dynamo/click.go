package dynamo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/referral"
)

// ClickShards is how many partitions one partner's click counter spreads
// over: each takes 1,000 writes a second, so a viral link stays far from
// throttling while reading all shards is one BatchGetItem.
const ClickShards = 16

// touchGrace keeps first-touch records a while past the cookie window, so
// a signup webhook that arrives late still finds them.
const touchGrace = 30 * 24 * time.Hour

var (
	clickValues = map[string]types.AttributeValue{":one": n("1")}
	shardSuffix = func() [ClickShards]string {
		var a [ClickShards]string
		for i := range a {
			a[i] = "#" + strconv.Itoa(i)
		}
		return a
	}()
)

// RecordClick adds one to a partner's click counter, on a random shard,
// and to that shard's count of at's UTC day, in the same request.
func (st *Store) RecordClick(ctx context.Context, partnerID string, at time.Time) error {
	_, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 st.table,
		Key:                       key("CLICKS#"+partnerID+shardSuffix[rand.IntN(ClickShards)], "CLICKS"),
		UpdateExpression:          clickUpdate(at),
		ExpressionAttributeValues: clickValues,
	})
	if err != nil {
		return fmt.Errorf("dynamo: counting click: %w", err)
	}
	return nil
}

// Counts are a partner's counters.
type Counts struct {
	Clicks  int64
	Signups int64
}

// Counts returns a partner's counters: every click shard and the stats
// item, in one batch read, eventually consistent (half the price of a
// consistent read, and counters may trail a click by a second).
func (st *Store) Counts(ctx context.Context, partnerID string) (Counts, error) {
	keys := make([]map[string]types.AttributeValue, 0, ClickShards+1)
	for i := range ClickShards {
		keys = append(keys, key("CLICKS#"+partnerID+shardSuffix[i], "CLICKS"))
	}
	keys = append(keys, statsKey(partnerID))
	items, err := st.batchGetConsistency(ctx, keys, false)
	if err != nil {
		return Counts{}, err
	}
	var c Counts
	for _, item := range items {
		clicks, err := num(item, "clicks")
		if err != nil {
			return Counts{}, err
		}
		signups, err := num(item, "signups")
		if err != nil {
			return Counts{}, err
		}
		c.Clicks += clicks
		c.Signups += signups
	}
	return c, nil
}

// num reads a number attribute; a missing one is 0.
func num(item map[string]types.AttributeValue, name string) (int64, error) {
	v, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0, nil
	}
	n, err := strconv.ParseInt(v.Value, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("dynamo: %s holds %q", name, v.Value)
	}
	return n, nil
}

// RecordFirstTouch stores t as its visitor's first touch unless one is
// already stored, and returns the touch that holds (t when won is true).
func (st *Store) RecordFirstTouch(ctx context.Context, t referral.Touch, window time.Duration) (winner referral.Touch, won bool, err error) {
	pk := "VISITOR#" + t.VisitorID
	item := key(pk, "TOUCH")
	item["partner_id"] = s(t.PartnerID)
	item["touched_at"] = n(strconv.FormatInt(t.At.UnixMilli(), 10))
	item[attrExpires] = n(strconv.FormatInt(t.At.Add(window+touchGrace).Unix(), 10))
	_, err = st.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           st.table,
		Item:                                item,
		ConditionExpression:                 aws.String("attribute_not_exists(pk)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		return t, true, nil
	}
	ccf, lost := conditionFailed(err)
	if !lost {
		return referral.Touch{}, false, fmt.Errorf("dynamo: recording first touch: %w", err)
	}
	old, err := st.heldItem(ctx, ccf.Item, key(pk, "TOUCH"))
	if err != nil {
		return referral.Touch{}, false, err
	}
	w, ok := touchFrom(t.VisitorID, old)
	if !ok {
		return referral.Touch{}, false, fmt.Errorf("dynamo: malformed first touch of %s", t.VisitorID)
	}
	return w, false, nil
}

// FirstTouch returns a visitor's first touch, or ErrNotFound.
func (st *Store) FirstTouch(ctx context.Context, visitorID string) (referral.Touch, error) {
	item, err := st.get(ctx, "VISITOR#"+visitorID, "TOUCH", true)
	if err != nil {
		return referral.Touch{}, err
	}
	t, ok := touchFrom(visitorID, item)
	if !ok {
		return referral.Touch{}, fmt.Errorf("dynamo: malformed first touch of %s", visitorID)
	}
	return t, nil
}

func touchFrom(visitorID string, item map[string]types.AttributeValue) (referral.Touch, bool) {
	v, ok := item["touched_at"].(*types.AttributeValueMemberN)
	if !ok {
		return referral.Touch{}, false
	}
	ms, err := strconv.ParseInt(v.Value, 10, 64)
	if err != nil {
		return referral.Touch{}, false
	}
	return referral.Touch{VisitorID: visitorID, PartnerID: str(item, "partner_id"), At: time.UnixMilli(ms).UTC()}, true
}
