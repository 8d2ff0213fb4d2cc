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

	"partnerkit/shared/partner"
)

// A partner's lifecycle email preferences live beside its profile
// (PARTNER#<id> NOTIFY), one boolean per kind; an absent item or
// attribute means on, so partners enrolled before preferences existed
// get every email.
const notifySK = "NOTIFY"

// notifiedTTL is how long a sent-mail marker is kept: far longer than
// any redelivery of the event that caused the mail.
const notifiedTTL = 400 * 24 * time.Hour

// NotificationPrefs returns a partner's preferences, read consistently
// so a change saved just before an event is honoured.
func (st *Store) NotificationPrefs(ctx context.Context, partnerID string) (partner.Notifications, error) {
	item, err := st.get(ctx, partnerPK(partnerID), notifySK, true)
	if errors.Is(err, ErrNotFound) {
		return partner.Notifications{}, nil
	}
	if err != nil {
		return partner.Notifications{}, fmt.Errorf("dynamo: reading notification preferences: %w", err)
	}
	var n partner.Notifications
	for _, k := range partner.Kinds {
		if v, ok := item[k].(*types.AttributeValueMemberBOOL); ok && !v.Value {
			n.Set(k, false)
		}
	}
	return n, nil
}

// SetNotificationPrefs sets the kinds named in on to their values and
// leaves the others as they are, in one write.
func (st *Store) SetNotificationPrefs(ctx context.Context, partnerID string, on map[string]bool) error {
	if len(on) == 0 {
		return nil
	}
	expr := "SET "
	names := map[string]string{}
	values := map[string]types.AttributeValue{}
	i := 0
	for _, k := range partner.Kinds {
		v, ok := on[k]
		if !ok {
			continue
		}
		if i > 0 {
			expr += ", "
		}
		id := strconv.Itoa(i)
		names["#k"+id], values[":v"+id] = k, &types.AttributeValueMemberBOOL{Value: v}
		expr += "#k" + id + " = :v" + id
		i++
	}
	if i == 0 {
		return fmt.Errorf("dynamo: no known notification kind in %v", on)
	}
	_, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: st.table, Key: key(partnerPK(partnerID), notifySK),
		UpdateExpression: aws.String(expr), ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	})
	if err != nil {
		return fmt.Errorf("dynamo: saving notification preferences: %w", err)
	}
	return nil
}

func notifiedKey(mark string) map[string]types.AttributeValue {
	return key("NOTIFIED#"+mark, "NOTIFIED")
}

// ClaimNotification records that the mail named by mark (an event id and
// kind, or a partner and a once-only kind) is being sent, first writer
// wins: it returns false when the mark was already claimed, so a
// redelivered event sends nothing twice.
func (st *Store) ClaimNotification(ctx context.Context, mark string, at time.Time) (bool, error) {
	item := notifiedKey(mark)
	item["claimed_at"] = s(timeText(at))
	item[attrExpires] = n(strconv.FormatInt(at.Add(notifiedTTL).Unix(), 10))
	_, err := st.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: st.table, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	if _, lost := conditionFailed(err); lost {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("dynamo: claiming notification: %w", err)
	}
	return true, nil
}

// ReleaseNotification drops a claim whose mail did not go out, so the
// event's next delivery tries again.
func (st *Store) ReleaseNotification(ctx context.Context, mark string) error {
	_, err := st.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: st.table, Key: notifiedKey(mark)})
	if err != nil {
		return fmt.Errorf("dynamo: releasing notification: %w", err)
	}
	return nil
}

// PayingCustomers returns how many of a partner's customers have ever
// paid: the counter TouchCustomer adds to with a customer's first payment,
// one read whatever the partner's history. When customerID names a
// customer of the partner who has just paid (its commission's event may
// arrive before TouchCustomer counts it), that customer is counted too if
// the counter does not hold it yet: the counter is read first, and its
// count and the customer's last_paid_at change in one transaction, so a
// customer without last_paid_at after that read was not in it.
func (st *Store) PayingCustomers(ctx context.Context, partnerID, customerID string) (int64, error) {
	var count int64
	item, err := st.get(ctx, partnerPK(partnerID), "STATS", true)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return 0, fmt.Errorf("dynamo: reading paying customers: %w", err)
	default:
		if v, ok := item[payingAttr].(*types.AttributeValueMemberN); ok {
			if count, err = strconv.ParseInt(v.Value, 10, 64); err != nil {
				return 0, fmt.Errorf("dynamo: malformed paying customers of %s: %w", partnerID, err)
			}
		}
	}
	if customerID == "" {
		return count, nil
	}
	c, err := st.get(ctx, "CUSTOMER#"+customerID, "ATTRIBUTION", true)
	switch {
	case errors.Is(err, ErrNotFound):
		return count, nil
	case err != nil:
		return 0, fmt.Errorf("dynamo: reading customer: %w", err)
	}
	if str(c, "partner_id") == partnerID && str(c, "last_paid_at") == "" {
		count++
	}
	return count, nil
}

// payingAttr is the STATS item's count of customers who ever paid.
const payingAttr = "paying_customers"

// Notified reports whether the mark of a once-only email was claimed, in
// one consistent read, without claiming it.
func (st *Store) Notified(ctx context.Context, mark string) (bool, error) {
	_, err := st.get(ctx, "NOTIFIED#"+mark, "NOTIFIED", true)
	switch {
	case errors.Is(err, ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("dynamo: reading notification mark: %w", err)
	}
	return true, nil
}

// FirstCustomer returns the partner's earliest attributed customer still
// credited to it, or "" when its list shows none yet: one Query of one
// item on the partner's customer list (gsi1, eventually consistent, so a
// customer attributed a moment ago may not show yet).
func (st *Store) FirstCustomer(ctx context.Context, partnerID string) (string, error) {
	out, err := st.db.Query(ctx, &dynamodb.QueryInput{
		TableName: st.table, IndexName: aws.String("gsi1"),
		KeyConditionExpression:    aws.String("gsi1pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s(customersPK(partnerID))},
		ScanIndexForward:          aws.Bool(true),
		Limit:                     aws.Int32(1),
	})
	if err != nil {
		return "", fmt.Errorf("dynamo: reading the partner's first customer: %w", err)
	}
	if len(out.Items) == 0 {
		return "", nil
	}
	return str(out.Items[0], "customer_id"), nil
}
