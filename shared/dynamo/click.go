package dynamo

import (
	"context"
	"fmt"
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
	one         = n("1")
	shardSuffix = func() [ClickShards]string {
		var a [ClickShards]string
		for i := range a {
			a[i] = "#" + strconv.Itoa(i)
		}
		return a
	}()
)

// RecordClick adds one to a partner's click counter, on a random shard,
// and to that shard's count of at's UTC day, in the same request: a
// click of the code itself that is not unique (CountClick).
func (st *Store) RecordClick(ctx context.Context, partnerID string, at time.Time) error {
	return st.CountClick(ctx, Click{PartnerID: partnerID, At: at})
}

// Counts are a partner's counters.
type Counts struct {
	Clicks  int64
	Signups int64
}

// Counts returns a partner's counters: every click shard and the stats
// item in one batch read, then its links' click shards, eventually
// consistent (half the price of a consistent read, and counters may trail
// a click by a second).
func (st *Store) Counts(ctx context.Context, partnerID string) (Counts, error) {
	items, err := st.counterItems(ctx, partnerID)
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

// counterItems reads a partner's click shards and stats item, then its
// links' click shards: everything its click and signup totals sum.
func (st *Store) counterItems(ctx context.Context, partnerID string) (map[string]map[string]types.AttributeValue, error) {
	items, err := st.batchGetConsistency(ctx, st.counterKeys(partnerID), false)
	if err != nil {
		return nil, err
	}
	return st.withLinkClicks(ctx, partnerID, items)
}

// withLinkClicks adds to items the click shards of the links listed on
// the partner's stats item among them.
func (st *Store) withLinkClicks(ctx context.Context, partnerID string, items map[string]map[string]types.AttributeValue) (map[string]map[string]types.AttributeValue, error) {
	ids := linkIDsOf(items[partnerPK(partnerID)+"|STATS"])
	if len(ids) == 0 {
		return items, nil
	}
	links, err := st.batchGetAll(ctx, linkClickKeys(partnerID, ids), false)
	if err != nil {
		return nil, err
	}
	for k, v := range links {
		items[k] = v
	}
	return items, nil
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
	if t.LinkID != "" {
		item["link_id"] = s(t.LinkID)
	}
	if t.Sid != "" {
		item["sid"] = s(t.Sid)
	}
	// A new visitor's click is unique: its later clicks on the link are
	// not, for an hour (CountRepeatClick).
	item[seenAttr(t.PartnerID, t.LinkID)] = item["touched_at"]
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
	return referral.Touch{VisitorID: visitorID, PartnerID: str(item, "partner_id"), At: time.UnixMilli(ms).UTC(),
		LinkID: str(item, "link_id"), Sid: str(item, "sid")}, true
}
