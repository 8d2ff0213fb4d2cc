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

	"partnerkit/shared/activity"
	"partnerkit/shared/attribution"
	"partnerkit/shared/emailaddr"
	"partnerkit/shared/events"
)

// PartnerTouch is a partner's touch of a future customer: a click or an invite.
type PartnerTouch struct {
	PartnerID string
	At        time.Time
	LinkID    string // a click's promo link, "" for the code itself
	Sid       string // a click's sub-id
}

// SignupLookup is everything a signup webhook needs, read in one request.
type SignupLookup struct {
	Replay   *WebhookResponse      // this webhook-id was handled before
	Existing *attribution.Decision // the customer is already attributed
	Click    *PartnerTouch         // the visitor's first click (partner, time)
	Invite   *PartnerTouch         // the first invite to the customer's email
	Code     *partner.CodeOwner    // owner of the typed referral code
}

// SignupKeys names what LookupSignup reads; empty fields are skipped.
type SignupKeys struct {
	// Endpoint names the webhook whose WebhookID this is; "" is the
	// signup webhook's.
	Endpoint   string
	WebhookID  string
	CustomerID string
	VisitorID  string
	EmailHash  string
	Code       string
}

const signupEndpoint = "signup"

// LookupSignup reads, in one consistent batch, the webhook's earlier
// response, the customer's attribution, the visitor's first click, the
// email's first invite and the code's owner.
func (st *Store) LookupSignup(ctx context.Context, k SignupKeys) (SignupLookup, error) {
	endpoint := k.Endpoint
	if endpoint == "" {
		endpoint = signupEndpoint
	}
	keys := []map[string]types.AttributeValue{webhookKey(endpoint, k.WebhookID), customerKey(k.CustomerID)}
	if k.VisitorID != "" {
		keys = append(keys, key("VISITOR#"+k.VisitorID, "TOUCH"))
	}
	if k.EmailHash != "" {
		keys = append(keys, inviteKey(k.EmailHash))
	}
	if k.Code != "" {
		keys = append(keys, key("CODE#"+k.Code, "CODE"))
	}
	items, err := st.batchGet(ctx, keys)
	if err != nil {
		return SignupLookup{}, err
	}
	var lk SignupLookup
	if item, ok := items["WEBHOOK#"+endpoint+"#"+k.WebhookID+"|WEBHOOK"]; ok {
		if w, ok := webhookFrom(endpoint, k.WebhookID, item); ok {
			lk.Replay = &w
		}
	}
	if item, ok := items["CUSTOMER#"+k.CustomerID+"|ATTRIBUTION"]; ok {
		d, err := decisionFrom(item)
		if err != nil {
			return SignupLookup{}, err
		}
		lk.Existing = &d
	}
	if item, ok := items["VISITOR#"+k.VisitorID+"|TOUCH"]; ok {
		if t, ok := touchFrom(k.VisitorID, item); ok {
			lk.Click = &PartnerTouch{PartnerID: t.PartnerID, At: t.At, LinkID: t.LinkID, Sid: t.Sid}
		}
	}
	if item, ok := items["INVITE#"+k.EmailHash+"|TOUCH"]; ok {
		if t, ok := touchFrom("", item); ok {
			lk.Invite = &PartnerTouch{PartnerID: t.PartnerID, At: t.At}
		}
	}
	if item, ok := items["CODE#"+k.Code+"|CODE"]; ok {
		lk.Code = &partner.CodeOwner{PartnerID: str(item, "partner_id"), Active: str(item, "status") == partner.StatusActive}
	}
	return lk, nil
}

// PartnerEmails returns the email of each partner id found, in one batch.
func (st *Store) PartnerEmails(ctx context.Context, ids []string) (map[string]string, error) {
	ps, err := st.Partners(ctx, ids)
	if err != nil {
		return nil, err
	}
	emails := make(map[string]string, len(ps))
	for id, p := range ps {
		emails[id] = p.Email
	}
	return emails, nil
}

// RecordInviteTouch keeps the first invite to an address (by hash) and
// returns the invite that holds; won is true when this one did.
func (st *Store) RecordInviteTouch(ctx context.Context, emailHash, partnerID string, at time.Time) (PartnerTouch, bool, error) {
	item := inviteKey(emailHash)
	item["partner_id"] = s(partnerID)
	item["touched_at"] = n(strconv.FormatInt(at.UnixMilli(), 10))
	_, err := st.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: st.table, Item: item,
		ConditionExpression:                 aws.String("attribute_not_exists(pk)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		return PartnerTouch{PartnerID: partnerID, At: time.UnixMilli(at.UnixMilli()).UTC()}, true, nil
	}
	ccf, lost := conditionFailed(err)
	if !lost {
		return PartnerTouch{}, false, fmt.Errorf("dynamo: recording invite touch: %w", err)
	}
	old, err := st.heldItem(ctx, ccf.Item, inviteKey(emailHash))
	if err != nil {
		return PartnerTouch{}, false, err
	}
	t, ok := touchFrom("", old)
	if !ok {
		return PartnerTouch{}, false, fmt.Errorf("dynamo: malformed invite touch")
	}
	return PartnerTouch{PartnerID: t.PartnerID, At: t.At}, false, nil
}

// ErrWebhookReplayed reports that a concurrent delivery of the same
// webhook-id was saved first; its response is returned with it.
var ErrWebhookReplayed = errors.New("dynamo: webhook delivered twice")

// SaveAttribution writes a customer's attribution, the webhook's response
// and, when attributed, one more signup on the partner, in one transaction:
// all or nothing, once per customer. When the customer was attributed
// first by another delivery, that decision is returned with saved false
// and nothing is written. When this webhook-id was saved concurrently,
// ErrWebhookReplayed is returned with the stored response.
func (st *Store) SaveAttribution(ctx context.Context, d attribution.Decision, signup attribution.Signup, emailHash string, resp WebhookResponse, now time.Time) (attribution.Decision, bool, WebhookResponse, error) {
	items := []types.TransactWriteItem{
		{Put: &types.Put{
			TableName: st.table, Item: decisionItem(d, signup, emailHash, now),
			ConditionExpression:                 aws.String("attribute_not_exists(pk)"),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}},
		{Put: webhookPut(st, resp, now)},
	}
	if d.Attributed {
		// The signup counts on the customer's signup day too.
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName: st.table, Key: statsKey(d.PartnerID),
			UpdateExpression:          aws.String(dayUpdate("signups", activity.DayOf(signup.CreatedAt), now)),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1")},
		}})
		// And on its link's, sub-id's and the program's day rows.
		items = append(items, st.convAdds(d.PartnerID, d.LinkID, d.Sid, signup.CreatedAt, map[string]int64{"signups": 1})...)
		hint := ""
		if signup.Email != "" {
			hint = emailaddr.Hint(signup.Email)
		}
		items = append(items, st.outboxPut([]events.Event{events.Attributed(d, hint, signup.CreatedAt, 0, now)})...)
	}
	_, err := st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return d, true, resp, nil
	}
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return attribution.Decision{}, false, WebhookResponse{}, fmt.Errorf("dynamo: saving attribution: %w", err)
	}
	reasons := tce.CancellationReasons
	failed := func(i int) bool { return i < len(reasons) && aws.ToString(reasons[i].Code) == "ConditionalCheckFailed" }
	switch {
	case failed(1):
		var old map[string]types.AttributeValue
		if len(reasons) > 1 {
			old = reasons[1].Item
		}
		w, err := st.firstWebhookResponse(ctx, resp.Endpoint, resp.ID, old)
		if err != nil {
			return attribution.Decision{}, false, WebhookResponse{}, err
		}
		return attribution.Decision{}, false, w, ErrWebhookReplayed
	case failed(0):
		old, err := st.heldItem(ctx, reasons[0].Item, customerKey(d.CustomerID))
		if err != nil {
			return attribution.Decision{}, false, WebhookResponse{}, err
		}
		existing, err := decisionFrom(old)
		if err != nil {
			return attribution.Decision{}, false, WebhookResponse{}, err
		}
		return existing, false, WebhookResponse{}, nil
	}
	// Contention with a concurrent transaction on the same items: the
	// caller retries and then reads the winner.
	return attribution.Decision{}, false, WebhookResponse{}, fmt.Errorf("dynamo: saving attribution: %w", err)
}

// Attribution returns a customer's stored attribution, or ErrNotFound.
func (st *Store) Attribution(ctx context.Context, customerID string) (attribution.Decision, error) {
	item, err := st.get(ctx, "CUSTOMER#"+customerID, "ATTRIBUTION", true)
	if err != nil {
		return attribution.Decision{}, err
	}
	return decisionFrom(item)
}

func decisionItem(d attribution.Decision, signup attribution.Signup, emailHash string, now time.Time) map[string]types.AttributeValue {
	item := customerKey(d.CustomerID)
	item["customer_id"] = s(d.CustomerID)
	item["attributed"] = &types.AttributeValueMemberBOOL{Value: d.Attributed}
	item["email_hash"] = s(emailHash)
	item["created_at"] = s(timeText(signup.CreatedAt))
	item["decided_at"] = s(timeText(now))
	if signup.Email != "" {
		// Partners may see this much of their customers' addresses.
		item["email_hint"] = s(emailaddr.Hint(signup.Email))
	}
	if d.Attributed {
		for k, v := range attributedTo(d, signup.CreatedAt) {
			item[k] = v
		}
		if d.LinkID != "" {
			item["link_id"] = s(d.LinkID)
		}
		if d.Sid != "" {
			item["sid"] = s(d.Sid)
		}
	} else {
		item["reason"] = s(d.Reason)
	}
	cands := make([]types.AttributeValue, 0, len(d.Candidates))
	for _, c := range d.Candidates {
		m := map[string]types.AttributeValue{
			"source": s(c.Source), "partner_id": s(c.PartnerID), "touched_at": s(timeText(c.TouchedAt)), "outcome": s(c.Outcome),
		}
		if c.By != "" {
			m["by"] = s(c.By)
		}
		if c.Note != "" {
			m["note"] = s(c.Note)
		}
		if c.LinkID != "" {
			m["link_id"] = s(c.LinkID)
		}
		if c.Sid != "" {
			m["sid"] = s(c.Sid)
		}
		cands = append(cands, &types.AttributeValueMemberM{Value: m})
	}
	if len(cands) > 0 {
		// No empty lists: the embedded store mishandles them on rollback.
		item["candidates"] = &types.AttributeValueMemberL{Value: cands}
	}
	return item
}

// attributedTo is what an attributed customer item holds about its
// partner, and its entry in the partner's customer list (gsi1), newest
// last: a webhook attributes a customer as of its signup, an override as
// of the override.
func attributedTo(d attribution.Decision, signupAt time.Time) map[string]types.AttributeValue {
	at := signupAt
	if d.Source == attribution.SourceManual {
		at = d.TouchedAt
	}
	return map[string]types.AttributeValue{
		"partner_id":    s(d.PartnerID),
		"source":        s(d.Source),
		"touched_at":    s(timeText(d.TouchedAt)),
		"attributed_at": s(timeText(at)),
		"gsi1pk":        s(customersPK(d.PartnerID)),
		"gsi1sk":        s(timeText(at) + "#" + d.CustomerID),
	}
}

func decisionFrom(item map[string]types.AttributeValue) (attribution.Decision, error) {
	d := attribution.Decision{
		CustomerID: str(item, "customer_id"), PartnerID: str(item, "partner_id"),
		Source: str(item, "source"), LinkID: str(item, "link_id"), Sid: str(item, "sid"),
	}
	if b, ok := item["attributed"].(*types.AttributeValueMemberBOOL); ok {
		d.Attributed = b.Value
	}
	if !d.Attributed {
		// An override leaves an earlier reason behind where REMOVE is not
		// supported (the embedded server); it means nothing once attributed.
		d.Reason = str(item, "reason")
	}
	if d.CustomerID == "" {
		return d, errors.New("dynamo: malformed attribution item")
	}
	if d.Attributed {
		t, err := time.Parse(time.RFC3339Nano, str(item, "touched_at"))
		if err != nil {
			return d, fmt.Errorf("dynamo: malformed attribution of %s: %w", d.CustomerID, err)
		}
		d.TouchedAt = t
	}
	if l, ok := item["candidates"].(*types.AttributeValueMemberL); ok {
		for _, v := range l.Value {
			m, ok := v.(*types.AttributeValueMemberM)
			if !ok {
				continue
			}
			at, _ := time.Parse(time.RFC3339Nano, str(m.Value, "touched_at"))
			d.Candidates = append(d.Candidates, attribution.Candidate{
				Source: str(m.Value, "source"), PartnerID: str(m.Value, "partner_id"), TouchedAt: at, Outcome: str(m.Value, "outcome"),
				By: str(m.Value, "by"), Note: str(m.Value, "note"), LinkID: str(m.Value, "link_id"), Sid: str(m.Value, "sid"),
			})
		}
	}
	return d, nil
}
