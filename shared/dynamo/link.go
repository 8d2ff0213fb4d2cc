package dynamo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/activity"
	"partnerkit/shared/partner"
	"partnerkit/shared/referral"
)

// A partner's promo links:
//
//	PARTNER#<id>           LINK#<link>  the link: name, slug, target, sub-id
//	CODE#<code>            LINK#<slug>  slug → link, read by the redirect
//	LCLICKS#<id>#<link>#<n> CLICKS      the link's clicks, shard n of LinkShards
//	UNIQUE#<id>#<link>#<n>  UNIQUE      returning visitors' unique clicks
//	PARTNER#<id>           STATS        link_ids (all links), active_links, all_links
//
// The code itself is the default link: its clicks stay on the partner's
// click shards (CLICKS#<id>#<n>), so a partner's totals are its click
// shards plus each link's shards, read with the link ids on the stats
// item, which MaxLinks bounds. Every click is one UpdateItem of one small
// item; the unique clicks of returning visitors go to items only
// transactions write, because a plain write to an item inside a running
// transaction is refused.

// LinkShards is how many partitions one promo link's clicks spread over.
const LinkShards = 2

// UniqueShards spreads a link's returning-visitor unique clicks, whose
// transactions would otherwise conflict on one item.
const UniqueShards = 4

// Errors of the link writes.
var (
	ErrSlugTaken   = errors.New("dynamo: slug taken")
	ErrLinkIDTaken = errors.New("dynamo: link id taken")
	ErrLinkLimit   = errors.New("dynamo: too many links")
)

// Link is a partner's promo link as stored.
type Link struct {
	ID        string
	PartnerID string
	Name      string
	Slug      string
	To        string // "" for the landing URL
	Sid       string
	Archived  bool
	CreatedAt time.Time
}

func linkKey(partnerID, linkID string) map[string]types.AttributeValue {
	return key(partnerPK(partnerID), "LINK#"+linkID)
}

func slugKey(code, slug string) map[string]types.AttributeValue {
	return key("CODE#"+code, "LINK#"+slug)
}

func linkItem(l Link) map[string]types.AttributeValue {
	item := linkKey(l.PartnerID, l.ID)
	item["link_id"] = s(l.ID)
	item["partner_id"] = s(l.PartnerID)
	item["name"] = s(l.Name)
	item["slug"] = s(l.Slug)
	item["archived"] = &types.AttributeValueMemberBOOL{Value: l.Archived}
	item["created_at"] = s(timeText(l.CreatedAt))
	if l.To != "" {
		item["to"] = s(l.To)
	}
	if l.Sid != "" {
		item["sid"] = s(l.Sid)
	}
	return item
}

func linkFrom(item map[string]types.AttributeValue) Link {
	created, _ := time.Parse(time.RFC3339Nano, str(item, "created_at"))
	l := Link{ID: str(item, "link_id"), PartnerID: str(item, "partner_id"), Name: str(item, "name"), Slug: str(item, "slug"),
		To: str(item, "to"), Sid: str(item, "sid"), CreatedAt: created}
	if b, ok := item["archived"].(*types.AttributeValueMemberBOOL); ok {
		l.Archived = b.Value
	}
	return l
}

// slugItem is what the redirect reads of a link.
func slugItem(code string, l Link) map[string]types.AttributeValue {
	item := slugKey(code, l.Slug)
	item["partner_id"] = s(l.PartnerID)
	item["link_id"] = s(l.ID)
	item["archived"] = &types.AttributeValueMemberBOOL{Value: l.Archived}
	if l.To != "" {
		item["to"] = s(l.To)
	}
	if l.Sid != "" {
		item["sid"] = s(l.Sid)
	}
	return item
}

// CreateLink stores a new link of the partner whose code is code, in one
// transaction: its slug (ErrSlugTaken when the partner has it already),
// the link (ErrLinkIDTaken on an id collision) and the partner's link
// counts (ErrLinkLimit past MaxActiveLinks active or MaxLinks in all).
func (st *Store) CreateLink(ctx context.Context, code string, l Link) error {
	notExists := aws.String("attribute_not_exists(pk)")
	_, err := st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: st.table, Item: slugItem(code, l), ConditionExpression: notExists}},
		{Put: &types.Put{TableName: st.table, Item: linkItem(l), ConditionExpression: notExists}},
		{Update: &types.Update{TableName: st.table, Key: statsKey(l.PartnerID),
			UpdateExpression:    aws.String("ADD link_ids :id, active_links :one, all_links :one"),
			ConditionExpression: aws.String("(attribute_not_exists(active_links) OR active_links < :active) AND (attribute_not_exists(all_links) OR all_links < :all)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":id": &types.AttributeValueMemberSS{Value: []string{l.ID}}, ":one": n("1"),
				":active": n(strconv.Itoa(referral.MaxActiveLinks)), ":all": n(strconv.Itoa(referral.MaxLinks)),
			}}},
	}})
	if err == nil {
		return nil
	}
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return fmt.Errorf("dynamo: creating link: %w", err)
	}
	reasons := tce.CancellationReasons
	failed := func(i int) bool { return i < len(reasons) && aws.ToString(reasons[i].Code) == "ConditionalCheckFailed" }
	switch {
	case failed(0):
		return ErrSlugTaken
	case failed(1):
		return ErrLinkIDTaken
	case failed(2):
		return ErrLinkLimit
	}
	return fmt.Errorf("dynamo: creating link: %w", err)
}

// Link returns one of a partner's links, or ErrNotFound.
func (st *Store) Link(ctx context.Context, partnerID, linkID string) (Link, error) {
	item, err := st.get(ctx, partnerPK(partnerID), "LINK#"+linkID, true)
	if err != nil {
		return Link{}, err
	}
	return linkFrom(item), nil
}

// UpdateLink renames a link and archives or restores it, as read in old,
// in one transaction with its slug and the partner's active count. A
// concurrent change of the same link fails it as contended (Contended),
// for the caller to read again; restoring past MaxActiveLinks gives
// ErrLinkLimit.
func (st *Store) UpdateLink(ctx context.Context, code string, old, next Link) error {
	items := []types.TransactWriteItem{{Update: &types.Update{TableName: st.table, Key: linkKey(old.PartnerID, old.ID),
		UpdateExpression:          aws.String("SET #n = :name, archived = :a"),
		ConditionExpression:       aws.String("archived = :was"),
		ExpressionAttributeNames:  map[string]string{"#n": "name"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":name": s(next.Name), ":a": &types.AttributeValueMemberBOOL{Value: next.Archived}, ":was": &types.AttributeValueMemberBOOL{Value: old.Archived}},
	}}}
	if next.Archived != old.Archived {
		items = append(items, types.TransactWriteItem{Update: &types.Update{TableName: st.table, Key: slugKey(code, old.Slug),
			UpdateExpression:          aws.String("SET archived = :a"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":a": &types.AttributeValueMemberBOOL{Value: next.Archived}},
		}})
		upd := &types.Update{TableName: st.table, Key: statsKey(old.PartnerID), UpdateExpression: aws.String("ADD active_links :d"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":d": n("-1")}}
		if !next.Archived {
			upd.ExpressionAttributeValues = map[string]types.AttributeValue{":d": n("1"), ":active": n(strconv.Itoa(referral.MaxActiveLinks))}
			upd.ConditionExpression = aws.String("attribute_not_exists(active_links) OR active_links < :active")
		}
		items = append(items, types.TransactWriteItem{Update: upd})
	}
	_, err := st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return nil
	}
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) && len(tce.CancellationReasons) > 2 && aws.ToString(tce.CancellationReasons[2].Code) == "ConditionalCheckFailed" {
		return ErrLinkLimit
	}
	return fmt.Errorf("dynamo: updating link: %w", err)
}

// LinksPage returns one page of a partner's links, newest first (link ids
// sort by creation time).
func (st *Store) LinksPage(ctx context.Context, partnerID string, pg Page) ([]Link, string, error) {
	pk := partnerPK(partnerID)
	items, next, err := st.queryPage(ctx, listQuery{
		in: &dynamodb.QueryInput{
			KeyConditionExpression:    aws.String("pk = :p AND begins_with(sk, :l)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s(pk), ":l": s("LINK#")},
			ScanIndexForward:          aws.Bool(false),
		},
		partAttr: attrPK, partValue: pk, keyAttrs: tableKeyAttrs,
	}, pg)
	if err != nil {
		return nil, "", err
	}
	out := make([]Link, 0, len(items))
	for _, item := range items {
		out = append(out, linkFrom(item))
	}
	return out, next, nil
}

// LinkRoute is what the redirect needs to know about /r/{code}/{slug}.
type LinkRoute struct {
	LinkID   string // "" when the code has no such slug
	To       string
	Sid      string
	Archived bool
}

// LinkRoute returns who owns a code and its link with the given slug, in
// one eventually consistent batch read (the redirect caches both). An
// unknown code is ErrNotFound; an unknown slug a zero LinkRoute.
func (st *Store) LinkRoute(ctx context.Context, code, slug string) (partner.CodeOwner, LinkRoute, error) {
	items, err := st.batchGetConsistency(ctx, []map[string]types.AttributeValue{key("CODE#"+code, "CODE"), slugKey(code, slug)}, false)
	if err != nil {
		return partner.CodeOwner{}, LinkRoute{}, err
	}
	c, ok := items["CODE#"+code+"|CODE"]
	if !ok {
		return partner.CodeOwner{}, LinkRoute{}, ErrNotFound
	}
	owner := partner.CodeOwner{PartnerID: str(c, "partner_id"), Active: str(c, "status") == partner.StatusActive}
	var r LinkRoute
	if l, ok := items["CODE#"+code+"|LINK#"+slug]; ok && str(l, "partner_id") == owner.PartnerID {
		r = LinkRoute{LinkID: str(l, "link_id"), To: str(l, "to"), Sid: str(l, "sid")}
		if b, ok := l["archived"].(*types.AttributeValueMemberBOOL); ok {
			r.Archived = b.Value
		}
	}
	return owner, r, nil
}

// Click is one counted click.
type Click struct {
	PartnerID string
	LinkID    string // "" for the code itself
	Unique    bool   // a new visitor's click, unique by definition
	At        time.Time
}

var linkShardSuffix = func() [LinkShards]string {
	var a [LinkShards]string
	for i := range a {
		a[i] = "#" + strconv.Itoa(i)
	}
	return a
}()

// uniqueClickExpr caches the update of a unique click for the day.
var uniqueClickExpr atomic.Pointer[dayExpression]

// uniquePrefix marks daily unique clicks, as dayPrefix marks clicks.
const uniquePrefix = "u"

// CountClick adds one click (and one unique click for a new visitor) to
// the clicked link's counter, on a random shard, with its UTC day: one
// UpdateItem of one small item, which also files the counter under the
// day for the program's numbers (clickerValues).
func (st *Store) CountClick(ctx context.Context, c Click) error {
	var pk string
	if c.LinkID == "" {
		pk = "CLICKS#" + c.PartnerID + shardSuffix[rand.IntN(ClickShards)]
	} else {
		pk = "LCLICKS#" + c.PartnerID + "#" + c.LinkID + linkShardSuffix[rand.IntN(LinkShards)]
	}
	var e *dayExpression
	if c.Unique {
		e = cachedClickUpdate(&uniqueClickExpr, c.At, dayCounter{"clicks", dayPrefix}, dayCounter{"uniques", uniquePrefix})
	} else {
		e = cachedClickUpdate(&clickExpr, c.At, dayCounter{"clicks", dayPrefix})
	}
	_, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: st.table, Key: key(pk, "CLICKS"), UpdateExpression: e.expr, ExpressionAttributeValues: clickerValues(c.PartnerID, pk, e.key),
	})
	if err != nil {
		return fmt.Errorf("dynamo: counting click: %w", err)
	}
	return nil
}

// seenAttr names the touch item's attribute holding when its visitor last
// made a unique click on a link.
func seenAttr(partnerID, linkID string) string {
	if linkID == "" {
		linkID = referral.DefaultLink
	}
	return "seen_" + partnerID + "_" + linkID
}

// CountRepeatClick decides whether a returning visitor's click is unique
// (no unique click of theirs on that link within referral.UniqueWindow)
// and, when it is, counts it: one transaction that moves the visitor's
// last-seen time on its first-touch item only if it is old enough, and
// adds the unique click. A refused condition is the answer "not unique";
// a conflict with another visitor's unique click on the same shard is
// tried once more on another shard.
func (st *Store) CountRepeatClick(ctx context.Context, visitorID string, c Click) (bool, error) {
	linkID := c.LinkID
	if linkID == "" {
		linkID = referral.DefaultLink
	}
	cut := c.At.Add(-referral.UniqueWindow).UnixMilli()
	first := rand.IntN(UniqueShards)
	var err error
	for attempt := range 2 {
		uniquePK := "UNIQUE#" + c.PartnerID + "#" + linkID + "#" + shardText1((first+attempt)%UniqueShards)
		_, err = st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Update: &types.Update{TableName: st.table, Key: key("VISITOR#"+visitorID, "TOUCH"),
				UpdateExpression:         aws.String("SET #seen = :now"),
				ConditionExpression:      aws.String("attribute_exists(pk) AND (attribute_not_exists(#seen) OR #seen <= :cut)"),
				ExpressionAttributeNames: map[string]string{"#seen": seenAttr(c.PartnerID, c.LinkID)},
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":now": n(strconv.FormatInt(c.At.UnixMilli(), 10)), ":cut": n(strconv.FormatInt(cut, 10)),
				}}},
			{Update: &types.Update{TableName: st.table, Key: key(uniquePK, "UNIQUE"),
				UpdateExpression:          aws.String(clickersSet + dayUpdates(activity.DayOf(c.At), c.At, dayCounter{"uniques", uniquePrefix})),
				ExpressionAttributeValues: clickerValues(c.PartnerID, uniquePK, monthKey(c.At))}},
		}})
		if err == nil {
			return true, nil
		}
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			break
		}
		if len(tce.CancellationReasons) > 0 && aws.ToString(tce.CancellationReasons[0].Code) == "ConditionalCheckFailed" {
			return false, nil
		}
	}
	return false, fmt.Errorf("dynamo: counting a unique click: %w", err)
}

// linkClickKeys are the click shards of a partner's links.
func linkClickKeys(partnerID string, linkIDs []string) []map[string]types.AttributeValue {
	keys := make([]map[string]types.AttributeValue, 0, len(linkIDs)*LinkShards)
	for _, id := range linkIDs {
		for i := range LinkShards {
			keys = append(keys, key("LCLICKS#"+partnerID+"#"+id+linkShardSuffix[i], "CLICKS"))
		}
	}
	return keys
}

// linkIDsOf reads the ids of a partner's links off its stats item.
func linkIDsOf(stats map[string]types.AttributeValue) []string {
	if ss, ok := stats["link_ids"].(*types.AttributeValueMemberSS); ok {
		return ss.Value
	}
	return nil
}

// batchGetAll is batchGetConsistency for any number of keys: batches of
// 100, read concurrently.
func (st *Store) batchGetAll(ctx context.Context, keys []map[string]types.AttributeValue, consistent bool) (map[string]map[string]types.AttributeValue, error) {
	if len(keys) <= 100 {
		return st.batchGetConsistency(ctx, keys, consistent)
	}
	type result struct {
		items map[string]map[string]types.AttributeValue
		err   error
	}
	parts := (len(keys) + 99) / 100
	ch := make(chan result, parts)
	for i := 0; i < len(keys); i += 100 {
		go func(keys []map[string]types.AttributeValue) {
			items, err := st.batchGetConsistency(ctx, keys, consistent)
			ch <- result{items, err}
		}(keys[i:min(i+100, len(keys))])
	}
	out := make(map[string]map[string]types.AttributeValue, len(keys))
	var errs []error
	for range parts {
		r := <-ch
		errs = append(errs, r.err)
		for k, v := range r.items {
			out[k] = v
		}
	}
	return out, errors.Join(errs...)
}
