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
)

// Invite items (see doc.go): an address's first invite (INVITE#<hash>
// TOUCH, written by RecordInviteTouch), an unsubscribed address
// (SUPPRESS#<hash> SUPPRESS) and a partner's invites of one UTC day
// (INVITES#<partner>#<yyyy-mm-dd> QUOTA, expires). Addresses appear only
// as HMAC hashes.

// quotaGrace keeps a day's counter a day past its end; the day is part of
// the key, so an expired counter is never read again anyway.
const quotaGrace = 24 * time.Hour

// InviteLookup is what sending invites needs to know, read in one batch.
type InviteLookup struct {
	// SentToday is how many invites the partner has counted this day.
	SentToday int
	// Suppressed holds the hashes of unsubscribed addresses.
	Suppressed map[string]bool
	// Invited holds, by hash, the addresses that already have an invite touch.
	Invited map[string]PartnerTouch
}

// InviteDay is the UTC day of t as the quota counter names it.
func InviteDay(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// LookupInvites reads, in one consistent batch of at most 1+2×len(hashes)
// keys (so up to 49 addresses), the partner's invite count of day and, for
// each address hash, whether it is unsubscribed and who invited it first.
func (st *Store) LookupInvites(ctx context.Context, partnerID, day string, hashes []string) (InviteLookup, error) {
	if 1+2*len(hashes) > 100 {
		return InviteLookup{}, fmt.Errorf("dynamo: %d addresses are more than one batch read holds", len(hashes))
	}
	keys := make([]map[string]types.AttributeValue, 0, 1+2*len(hashes))
	keys = append(keys, quotaKey(partnerID, day))
	seen := make(map[string]bool, len(hashes))
	for _, h := range hashes {
		if !seen[h] {
			seen[h] = true
			keys = append(keys, suppressKey(h), inviteKey(h))
		}
	}
	items, err := st.batchGet(ctx, keys)
	if err != nil {
		return InviteLookup{}, err
	}
	lk := InviteLookup{Suppressed: map[string]bool{}, Invited: map[string]PartnerTouch{}}
	if item, ok := items["INVITES#"+partnerID+"#"+day+"|QUOTA"]; ok {
		sent, err := num(item, "sent")
		if err != nil {
			return InviteLookup{}, err
		}
		lk.SentToday = int(sent)
	}
	for h := range seen {
		if _, ok := items["SUPPRESS#"+h+"|SUPPRESS"]; ok {
			lk.Suppressed[h] = true
		}
		if item, ok := items["INVITE#"+h+"|TOUCH"]; ok {
			t, ok := touchFrom("", item)
			if !ok {
				return InviteLookup{}, fmt.Errorf("dynamo: malformed invite touch")
			}
			lk.Invited[h] = PartnerTouch{PartnerID: t.PartnerID, At: t.At}
		}
	}
	return lk, nil
}

// ClaimInviteQuota takes up to want of the partner's invites of day
// without ever letting the day's count pass limit, and returns how many it
// took (0 when the quota is used up). sentHint is the count the caller last
// read; a wrong hint costs a retry, never an overrun: each claim is one
// conditional increment, so concurrent claims serialize on the counter.
func (st *Store) ClaimInviteQuota(ctx context.Context, partnerID, day string, want, limit, sentHint int) (int, error) {
	sent := sentHint
	end, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return 0, fmt.Errorf("dynamo: invite day %q: %w", day, err)
	}
	expires := strconv.FormatInt(end.Add(24*time.Hour+quotaGrace).Unix(), 10)
	for attempt := 0; attempt < 50; attempt++ {
		take := min(want, limit-sent)
		if take <= 0 {
			return 0, nil
		}
		_, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                st.table,
			Key:                      quotaKey(partnerID, day),
			UpdateExpression:         aws.String("ADD #sent :take SET #exp = :exp"),
			ConditionExpression:      aws.String("attribute_not_exists(#sent) OR #sent <= :max"),
			ExpressionAttributeNames: map[string]string{"#sent": "sent", "#exp": attrExpires},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":take": n(strconv.Itoa(take)), ":max": n(strconv.Itoa(limit - take)), ":exp": n(expires),
			},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		if err == nil {
			return take, nil
		}
		ccf, lost := conditionFailed(err)
		if !lost {
			return 0, fmt.Errorf("dynamo: claiming invite quota: %w", err)
		}
		// Another request counted invites since the hint: read how many.
		old, err := st.heldItem(ctx, ccf.Item, key("INVITES#"+partnerID+"#"+day, "QUOTA"))
		if err != nil && !errors.Is(err, ErrNotFound) {
			return 0, err
		}
		c, err := num(old, "sent")
		if err != nil {
			return 0, err
		}
		sent = int(c)
	}
	return 0, fmt.Errorf("dynamo: claiming invite quota: too much contention on %s", partnerID)
}

// ReleaseInviteQuota gives back n invites of day that were claimed but not
// sent. The count never goes below zero.
func (st *Store) ReleaseInviteQuota(ctx context.Context, partnerID, day string, n int) error {
	if n <= 0 {
		return nil
	}
	_, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 st.table,
		Key:                       quotaKey(partnerID, day),
		UpdateExpression:          aws.String("ADD #sent :minus"),
		ConditionExpression:       aws.String("#sent >= :n"),
		ExpressionAttributeNames:  map[string]string{"#sent": "sent"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":minus": numAttr(-n), ":n": numAttr(n)},
	})
	if _, lost := conditionFailed(err); err != nil && !lost {
		return fmt.Errorf("dynamo: releasing invite quota: %w", err)
	}
	return nil
}

func numAttr(i int) types.AttributeValue { return n(strconv.Itoa(i)) }

// DeleteInviteTouch removes an address's invite touch, only if it is still
// the one partnerID recorded at at: an invite that could not be sent must
// leave nothing behind, and never removes another partner's touch.
func (st *Store) DeleteInviteTouch(ctx context.Context, emailHash, partnerID string, at time.Time) error {
	_, err := st.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 st.table,
		Key:                       inviteKey(emailHash),
		ConditionExpression:       aws.String("partner_id = :p AND touched_at = :t"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s(partnerID), ":t": n(strconv.FormatInt(at.UnixMilli(), 10))},
	})
	if _, lost := conditionFailed(err); err != nil && !lost {
		return fmt.Errorf("dynamo: deleting invite touch: %w", err)
	}
	return nil
}

// Suppress records that an address (by hash) unsubscribed from invites.
// It is idempotent: the first unsubscription's time is kept.
func (st *Store) Suppress(ctx context.Context, emailHash string, at time.Time) error {
	item := suppressKey(emailHash)
	item["unsubscribed_at"] = s(timeText(at))
	_, err := st.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: st.table, Item: item,
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	if _, lost := conditionFailed(err); err != nil && !lost {
		return fmt.Errorf("dynamo: suppressing address: %w", err)
	}
	return nil
}

// Suppressed reports whether an address (by hash) unsubscribed.
func (st *Store) Suppressed(ctx context.Context, emailHash string) (bool, error) {
	_, err := st.get(ctx, "SUPPRESS#"+emailHash, "SUPPRESS", true)
	switch {
	case errors.Is(err, ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("dynamo: reading suppression: %w", err)
	}
	return true, nil
}
