package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/events"
	"partnerkit/shared/partner"

	"partnerkit/shared/activity"
	"partnerkit/shared/attribution"
)

// Errors of OverrideAttribution.
var (
	// ErrAttributionChanged: another override was saved since the
	// attribution was read; read it again and decide again.
	ErrAttributionChanged = errors.New("dynamo: attribution changed meanwhile")
	// ErrPartnerNotActive: the new partner is suspended or gone.
	ErrPartnerNotActive = errors.New("dynamo: partner not active")
)

// AttributionRecord is a customer's stored attribution with what an
// override needs: the signup time and the version overrides count.
type AttributionRecord struct {
	Decision  attribution.Decision
	CreatedAt time.Time
	Version   int64 // 0 until a first override
	// LastPaidAt is the customer's latest payment (zero before the first):
	// the override moves it to the new partner's paying customers.
	LastPaidAt time.Time
	EmailHint  string // the customer's address masked, for the event
}

// AttributionRecord returns a customer's attribution for an override, or
// ErrNotFound.
func (st *Store) AttributionRecord(ctx context.Context, customerID string) (AttributionRecord, error) {
	item, err := st.get(ctx, "CUSTOMER#"+customerID, "ATTRIBUTION", true)
	if err != nil {
		return AttributionRecord{}, err
	}
	d, err := decisionFrom(item)
	if err != nil {
		return AttributionRecord{}, err
	}
	created, _ := time.Parse(time.RFC3339Nano, str(item, "created_at"))
	lastPaid, _ := time.Parse(time.RFC3339Nano, str(item, "last_paid_at"))
	version, err := num(item, "version")
	return AttributionRecord{Decision: d, CreatedAt: created, Version: version, LastPaidAt: lastPaid, EmailHint: str(item, "email_hint")}, err
}

// OverrideAttribution replaces rec's decision with next (an admin's
// override, attribution.Override) in one transaction: the customer item
// moves to next's partner (its customer list included) if rec's version
// is still the stored one, the new partner must still be active, and one
// signup moves from the old partner's counters to the new one's, on the
// customer's signup day while that is kept. Other attributes of the
// customer item (its latest payment among them) stay as they are.
// A lost race gives ErrAttributionChanged, a suspended or missing partner
// ErrPartnerNotActive; either way nothing is written.
func (st *Store) OverrideAttribution(ctx context.Context, rec AttributionRecord, next attribution.Decision, now time.Time) error {
	old := rec.Decision
	values := map[string]types.AttributeValue{
		":true": &types.AttributeValueMemberBOOL{Value: true},
		":v":    n(strconv.FormatInt(rec.Version+1, 10)),
	}
	// Every name through a placeholder: some (source) are reserved words.
	names := map[string]string{"#attributed": "attributed", "#version": "version", "#candidates": "candidates", "#reason": "reason"}
	set := "SET #attributed = :true, #version = :v, #candidates = :c"
	for k, v := range attributedTo(next, rec.CreatedAt) {
		names["#"+k], values[":"+k] = k, v
		set += ", #" + k + " = :" + k
	}
	values[":c"] = decisionItem(next, attribution.Signup{CreatedAt: rec.CreatedAt}, "", now)["candidates"]
	cond := "attribute_not_exists(#version)"
	if rec.Version > 0 {
		cond = "#version = :prev"
		values[":prev"] = n(strconv.FormatInt(rec.Version, 10))
	}
	// A payment recorded meanwhile would move the day bucket below under
	// the old partner: the override then loses and reads again.
	if rec.LastPaidAt.IsZero() {
		cond += " AND attribute_not_exists(last_paid_at)"
	} else {
		cond += " AND last_paid_at = :lp"
		values[":lp"] = s(timeText(rec.LastPaidAt))
	}
	items := []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: st.table, Key: customerKey(old.CustomerID),
			UpdateExpression:          aws.String(set + " REMOVE #reason"),
			ConditionExpression:       aws.String("attribute_exists(pk) AND " + cond),
			ExpressionAttributeNames:  names,
			ExpressionAttributeValues: values,
		}},
		{ConditionCheck: &types.ConditionCheck{
			TableName: st.table, Key: partnerKey(next.PartnerID),
			ConditionExpression:       aws.String("#s = :active"),
			ExpressionAttributeNames:  map[string]string{"#s": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":active": s(partner.StatusActive)},
		}},
	}
	if old.PartnerID != next.PartnerID {
		day := activity.DayOf(rec.CreatedAt)
		if old.Attributed {
			// The signup expression with one of -1: the old partner loses it.
			items = append(items, types.TransactWriteItem{Update: &types.Update{
				TableName: st.table, Key: statsKey(old.PartnerID),
				UpdateExpression:          aws.String(dayUpdate("signups", day, now)),
				ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("-1")},
			}})
		}
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName: st.table, Key: statsKey(next.PartnerID),
			UpdateExpression:          aws.String(dayUpdate("signups", day, now)),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1")},
		}})
		// A paying customer counts for the partner it now belongs to.
		if old.Attributed && !rec.LastPaidAt.IsZero() {
			for _, mv := range []struct{ partner, delta string }{{old.PartnerID, "-1"}, {next.PartnerID, "1"}} {
				items = append(items, types.TransactWriteItem{Update: &types.Update{
					TableName: st.table, Key: key(partnerPK(mv.partner), paydayPrefix+dayText(rec.LastPaidAt)),
					UpdateExpression:          aws.String("ADD customers :d"),
					ExpressionAttributeValues: map[string]types.AttributeValue{":d": n(mv.delta)},
				}})
			}
		}
	}
	if next.Attributed {
		items = append(items, st.outboxPut([]events.Event{events.Attributed(next, rec.EmailHint, rec.CreatedAt, rec.Version+1, now)})...)
	}
	_, err := st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return nil
	}
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		reasons := tce.CancellationReasons
		failed := func(i int) bool { return i < len(reasons) && aws.ToString(reasons[i].Code) == "ConditionalCheckFailed" }
		switch {
		case failed(0):
			return ErrAttributionChanged
		case failed(1):
			return ErrPartnerNotActive
		}
	}
	// Contention with a concurrent transaction: the caller retries.
	return fmt.Errorf("dynamo: overriding attribution: %w", err)
}
