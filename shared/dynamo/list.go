package dynamo

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/partner"
)

// PartnerFilter selects the partners ListPartners lists. At most one of
// CodePrefix and Email is set, both lower-case.
type PartnerFilter struct {
	Status     string // partner.StatusActive, partner.StatusSuspended or "" for any
	CodePrefix string // codes starting with it, in code order
	Email      string // partners enrolled with this address
}

// ListPartners returns one page of partners, newest first (a code prefix
// search: in code order), and the cursor of the next page. Partners
// enrolled before the partner lists existed are not listed until their
// status is next set.
func (st *Store) ListPartners(ctx context.Context, f PartnerFilter, pg Page) ([]partner.Partner, string, error) {
	values := map[string]types.AttributeValue{}
	q := listQuery{in: &dynamodb.QueryInput{ExpressionAttributeValues: values}, partAttr: "gsi1pk", keyAttrs: gsi1KeyAttrs}
	profiles := false // whether the items read are the profiles themselves
	switch {
	case f.Email != "":
		q.partAttr, q.partValue, q.keyAttrs = attrPK, emailPK(f.Email), tableKeyAttrs
		q.in.KeyConditionExpression = aws.String("pk = :p")
		q.in.ScanIndexForward = aws.Bool(false)
	case f.CodePrefix != "":
		q.partValue = codesPK
		q.in.IndexName = aws.String("gsi1")
		q.in.KeyConditionExpression = aws.String("gsi1pk = :p AND begins_with(gsi1sk, :prefix)")
		values[":prefix"] = s(f.CodePrefix)
		if f.Status != "" {
			// Code items carry their partner's status (the redirect reads it).
			q.in.FilterExpression = aws.String("#s = :s")
			q.in.ExpressionAttributeNames = map[string]string{"#s": "status"}
			values[":s"] = s(f.Status)
		}
	case f.Status != "":
		q.partValue, profiles = partnersByStatusPK(f.Status), true
		q.in.IndexName = aws.String("gsi1")
		q.in.KeyConditionExpression = aws.String("gsi1pk = :p")
		q.in.ScanIndexForward = aws.Bool(false)
	default:
		q.partValue = partnersPK
		q.in.IndexName = aws.String("gsi1")
		q.in.KeyConditionExpression = aws.String("gsi1pk = :p")
		q.in.ScanIndexForward = aws.Bool(false)
	}
	values[":p"] = s(q.partValue)
	items, next, err := st.queryPage(ctx, q, pg)
	if err != nil {
		return nil, "", err
	}
	out := make([]partner.Partner, 0, len(items))
	if profiles {
		for _, item := range items {
			out = append(out, partnerFrom(item))
		}
		return out, next, nil
	}
	ids := make([]string, 0, len(items))
	for _, item := range items {
		ids = append(ids, str(item, "partner_id"))
	}
	byID := make(map[string]partner.Partner, len(ids))
	for start := 0; start < len(ids); start += 100 {
		part, err := st.Partners(ctx, ids[start:min(start+100, len(ids))])
		if err != nil {
			return nil, "", err
		}
		for id, p := range part {
			byID[id] = p
		}
	}
	for _, id := range ids {
		p, ok := byID[id]
		// The email entry knows no status: filter on the profile's.
		if ok && (f.Status == "" || p.Status == f.Status) {
			out = append(out, p)
		}
	}
	return out, next, nil
}

// counterOwner reads the partner id out of a click shard's or stats
// item's partition key.
func counterOwner(pk string) (id string, clicks bool) {
	if rest, ok := strings.CutPrefix(pk, "CLICKS#"); ok {
		return rest[:max(strings.LastIndexByte(rest, '#'), 0)], true
	}
	return strings.TrimPrefix(pk, "PARTNER#"), false
}

// CustomerEntry is one customer in a partner's customer list.
type CustomerEntry struct {
	CustomerID   string
	EmailHint    string // "" for customers attributed before hints were kept
	Source       string
	AttributedAt string // TimeFormat
	LastPaidAt   string // TimeFormat; "" before a first payment
}

// PartnerCustomers returns one page of a partner's attributed customers,
// newest first, from its customer list (gsi1): one Query per page.
func (st *Store) PartnerCustomers(ctx context.Context, partnerID string, pg Page) ([]CustomerEntry, string, error) {
	pk := customersPK(partnerID)
	items, next, err := st.queryPage(ctx, listQuery{
		in: &dynamodb.QueryInput{
			IndexName:                 aws.String("gsi1"),
			KeyConditionExpression:    aws.String("gsi1pk = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s(pk)},
			ScanIndexForward:          aws.Bool(false),
		},
		partAttr: "gsi1pk", partValue: pk, keyAttrs: gsi1KeyAttrs,
	}, pg)
	if err != nil {
		return nil, "", err
	}
	out := make([]CustomerEntry, 0, len(items))
	for _, item := range items {
		at := str(item, "attributed_at")
		if at == "" {
			at = str(item, "created_at") // attributed before attributed_at was kept: at signup
		}
		out = append(out, CustomerEntry{
			CustomerID: str(item, "customer_id"), EmailHint: str(item, "email_hint"), Source: str(item, "source"),
			AttributedAt: at, LastPaidAt: str(item, "last_paid_at"),
		})
	}
	return out, next, nil
}
