package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/events"
	"partnerkit/shared/partner"
)

func partnerItem(p partner.Partner) map[string]types.AttributeValue {
	item := partnerKey(p.ID)
	item["partner_id"] = s(p.ID)
	item["code"] = s(p.Code)
	item["sub"] = s(p.Subject)
	item["status"] = s(p.Status)
	item["created_at"] = s(timeText(p.CreatedAt))
	if p.Name != "" {
		item["name"] = s(p.Name)
	}
	if p.Email != "" {
		item["email"] = s(p.Email)
	}
	item["gsi1pk"], item["gsi1sk"] = s(partnersByStatusPK(p.Status)), s(partnerOrder(p))
	return item
}

// partner.Partner index entries (gsi1), written at enrollment so the admin's
// partner list never scans: the profile lists partners by status, the
// subject item all partners, both newest first; the code item lists codes
// in code order for prefix search. An email entry (main table) finds an
// address's partners.
const (
	partnersPK = "PARTNERS"
	codesPK    = "CODES"
)

// partnerOrder sorts partners by enrollment time, then id.
func partnerOrder(p partner.Partner) string { return timeText(p.CreatedAt) + "#" + p.ID }

func partnerFrom(item map[string]types.AttributeValue) partner.Partner {
	created, _ := time.Parse(time.RFC3339Nano, str(item, "created_at"))
	return partner.Partner{
		ID: str(item, "partner_id"), Code: str(item, "code"), Name: str(item, "name"),
		Subject: str(item, "sub"), Email: str(item, "email"), Status: str(item, "status"), CreatedAt: created,
	}
}

// CreatePartner enrolls p in one transaction: the subject, the code and
// the profile are each written only if absent. If the subject already has a
// partner, that partner is returned with created false and nothing changes.
// A taken code gives ErrCodeTaken.
func (st *Store) CreatePartner(ctx context.Context, p partner.Partner) (partner.Partner, bool, error) {
	notExists := aws.String("attribute_not_exists(pk)")
	items := []types.TransactWriteItem{
		{Put: &types.Put{TableName: st.table, ConditionExpression: notExists,
			Item: map[string]types.AttributeValue{attrPK: s("SUB#" + p.Subject), attrSK: s("SUB"), "partner_id": s(p.ID),
				"gsi1pk": s(partnersPK), "gsi1sk": s(partnerOrder(p))}}},
		{Put: &types.Put{TableName: st.table, ConditionExpression: notExists,
			Item: map[string]types.AttributeValue{attrPK: s("CODE#" + p.Code), attrSK: s("CODE"), "partner_id": s(p.ID), "status": s(p.Status),
				"gsi1pk": s(codesPK), "gsi1sk": s(p.Code)}}},
		{Put: &types.Put{TableName: st.table, ConditionExpression: notExists, Item: partnerItem(p)}},
	}
	if p.Email != "" {
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: st.table,
			Item: map[string]types.AttributeValue{attrPK: s(emailPK(p.Email)), attrSK: s(partnerOrder(p)), "partner_id": s(p.ID)}}})
	}
	items = append(items, st.outboxPut([]events.Event{events.Enrolled(p, p.CreatedAt)})...)
	_, err := st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return p, true, nil
	}
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return partner.Partner{}, false, fmt.Errorf("dynamo: enrolling partner: %w", err)
	}
	reasons := tce.CancellationReasons
	failed := func(i int) bool { return i < len(reasons) && aws.ToString(reasons[i].Code) == "ConditionalCheckFailed" }
	switch {
	case failed(0):
		existing, err := st.PartnerBySubject(ctx, p.Subject)
		if err != nil {
			return partner.Partner{}, false, err
		}
		return existing, false, nil
	case failed(1):
		return partner.Partner{}, false, ErrCodeTaken
	default:
		// Contention with a concurrent enrollment of the same subject: the
		// caller retries and then sees the winner.
		return partner.Partner{}, false, fmt.Errorf("dynamo: enrolling partner: %w", err)
	}
}

// PartnerBySubject returns the partner enrolled by a JWT subject.
func (st *Store) PartnerBySubject(ctx context.Context, sub string) (partner.Partner, error) {
	item, err := st.get(ctx, "SUB#"+sub, "SUB", true)
	if err != nil {
		return partner.Partner{}, err
	}
	return st.Partner(ctx, str(item, "partner_id"))
}

// partner.Partner returns a partner's profile, or ErrNotFound.
func (st *Store) Partner(ctx context.Context, id string) (partner.Partner, error) {
	item, err := st.get(ctx, "PARTNER#"+id, "PROFILE", true)
	if err != nil {
		return partner.Partner{}, err
	}
	return partnerFrom(item), nil
}

// partner.CodeOwner returns who owns a referral code, or ErrNotFound. It reads
// eventually consistent: the redirect caches it anyway.
func (st *Store) CodeOwner(ctx context.Context, code string) (partner.CodeOwner, error) {
	item, err := st.get(ctx, "CODE#"+code, "CODE", false)
	if err != nil {
		return partner.CodeOwner{}, err
	}
	return partner.CodeOwner{PartnerID: str(item, "partner_id"), Active: str(item, "status") == partner.StatusActive}, nil
}

// SetPartnerStatus sets a partner's status on its profile and its code in
// one transaction, and returns the updated profile.
func (st *Store) SetPartnerStatus(ctx context.Context, id, status string) (partner.Partner, error) {
	item, err := st.get(ctx, "PARTNER#"+id, "PROFILE", true)
	if err != nil {
		return partner.Partner{}, err
	}
	p := partnerFrom(item)
	// Each change of status counts, so each suspension is its own event
	// and a repeated request for the same change is the same one.
	version, _ := num(item, "status_version")
	var evs []events.Event
	if status == partner.StatusSuspended && p.Status != status {
		suspended := p
		suspended.Status = status
		evs = append(evs, events.Suspended(suspended, version+1, st.now()))
	}
	set := aws.String("SET #s = :s")
	names := map[string]string{"#s": "status"}
	values := map[string]types.AttributeValue{":s": s(status)}
	// The profile moves to its new status's list; a partner enrolled
	// before the lists existed joins it here.
	profileValues := map[string]types.AttributeValue{":s": s(status), ":g": s(partnersByStatusPK(status)), ":o": s(partnerOrder(p))}
	profileSet := "SET #s = :s, gsi1pk = :g, gsi1sk = :o"
	if p.Status != status {
		profileSet += " ADD status_version :one"
		profileValues[":one"] = n("1")
	}
	_, err = st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: append([]types.TransactWriteItem{
			{Update: &types.Update{TableName: st.table, Key: partnerKey(id), UpdateExpression: aws.String(profileSet),
				ExpressionAttributeNames: names, ExpressionAttributeValues: profileValues, ConditionExpression: aws.String("attribute_exists(pk)")}},
			{Update: &types.Update{TableName: st.table, Key: key("CODE#"+p.Code, "CODE"), UpdateExpression: set,
				ExpressionAttributeNames: names, ExpressionAttributeValues: values, ConditionExpression: aws.String("attribute_exists(pk)")}},
		}, st.outboxPut(evs)...),
	})
	if err != nil {
		return partner.Partner{}, fmt.Errorf("dynamo: setting partner status: %w", err)
	}
	p.Status = status
	return p, nil
}

// Partners returns the profiles of the partner ids found, strongly
// consistent, 100 to a batch.
func (st *Store) Partners(ctx context.Context, ids []string) (map[string]partner.Partner, error) {
	out := make(map[string]partner.Partner, len(ids))
	seen := map[string]bool{}
	var keys []map[string]types.AttributeValue
	flush := func() error {
		items, err := st.batchGet(ctx, keys)
		if err != nil {
			return err
		}
		for _, item := range items {
			p := partnerFrom(item)
			out[p.ID] = p
		}
		keys = keys[:0]
		return nil
	}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		keys = append(keys, partnerKey(id))
		if len(keys) == 100 {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if len(keys) > 0 {
		if err := flush(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
