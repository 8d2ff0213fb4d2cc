package dynamo

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/ledger"
	"partnerkit/shared/program"
)

// EarningPayments reads, for a dry run of other settings, the payments of
// period that earned a commission, with their customers' signup times: at
// most limit of them, and true when there were more. It reads the
// commission lines of the period's own bucket, shard by shard, then the
// payments and their customers in batches, eventually consistent; its
// reads grow with limit, never with the table. Payments of the period
// recorded after it closed sit in a later bucket and are not read.
func (st *Store) EarningPayments(ctx context.Context, period ledger.Period, limit int) ([]program.Recorded, bool, error) {
	from := strconv.FormatInt(period.Start().UnixMilli(), 10)
	var ids []string
	truncated := false
	for shard := 0; shard < LedgerShards && !truncated; shard++ {
		in := &dynamodb.QueryInput{
			TableName:                st.table,
			KeyConditionExpression:   aws.String("pk = :pk"),
			FilterExpression:         aws.String("#k = :c AND #at >= :from"),
			ExpressionAttributeNames: map[string]string{"#k": "kind", "#at": "at"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": s(linesPK(period.String(), shard)), ":c": s(ledger.KindCommission), ":from": n(from)},
			ProjectionExpression: aws.String("payment_id"),
		}
		for {
			// Never read more than the lines still wanted (plus one, to
			// know that more remain).
			in.Limit = aws.Int32(int32(min(limit-len(ids)+1, 1000)))
			out, err := st.db.Query(ctx, in)
			if err != nil {
				return nil, false, err
			}
			for _, item := range out.Items {
				if len(ids) == limit {
					truncated = true
					break
				}
				ids = append(ids, str(item, "payment_id"))
			}
			if truncated || len(out.LastEvaluatedKey) == 0 {
				break
			}
			in.ExclusiveStartKey = out.LastEvaluatedKey
		}
	}

	pays := make(map[string]map[string]types.AttributeValue, len(ids))
	for chunk := range slices.Chunk(ids, 100) {
		keys := make([]map[string]types.AttributeValue, len(chunk))
		for i, id := range chunk {
			keys[i] = paymentKey(id)
		}
		found, err := st.batchGetConsistency(ctx, keys, false)
		if err != nil {
			return nil, false, err
		}
		for _, item := range found {
			pays[str(item, "payment_id")] = item
		}
	}
	var customers []string
	seen := map[string]bool{}
	for _, id := range ids {
		if c := str(pays[id], "customer_id"); c != "" && !seen[c] {
			seen[c] = true
			customers = append(customers, c)
		}
	}
	signedUp := make(map[string]time.Time, len(customers))
	uplines := make(map[string]string, len(customers))
	for chunk := range slices.Chunk(customers, 100) {
		keys := make([]map[string]types.AttributeValue, len(chunk))
		for i, id := range chunk {
			keys[i] = customerKey(id)
		}
		found, err := st.batchGetConsistency(ctx, keys, false)
		if err != nil {
			return nil, false, err
		}
		for _, item := range found {
			id := str(item, "customer_id")
			if t, err := time.Parse(time.RFC3339Nano, str(item, "created_at")); err == nil {
				signedUp[id] = t
			}
			uplines[id] = str(item, "upline")
		}
	}

	out := make([]program.Recorded, 0, len(ids))
	for _, id := range ids {
		item, ok := pays[id]
		if !ok {
			continue
		}
		p, err := paymentFrom(item)
		if err != nil {
			return nil, false, err
		}
		r := program.Recorded{PaymentID: p.ID, PartnerID: p.PartnerID, CustomerID: p.CustomerID, Plan: str(item, "plan"),
			Currency: p.Currency, Amount: p.Amount, PaidAt: time.UnixMilli(p.PaidAt).UTC(), SignedUp: signedUp[p.CustomerID],
			Refunded: p.Refunded, Commission: p.Commission, Reversed: p.Reversed, Upline: str(item, "upline")}
		if r.Upline == "" {
			r.Upline = uplines[p.CustomerID]
		}
		// Fields a payment records once billing applies the settings;
		// absent on payments recorded before.
		number, err := num(item, "number")
		if err != nil {
			return nil, false, err
		}
		r.Number = int(number)
		if r.Override, err = num(item, "override"); err != nil {
			return nil, false, err
		}
		if r.OverrideReversed, err = num(item, "override_reversed"); err != nil {
			return nil, false, err
		}
		out = append(out, r)
	}
	return out, truncated, nil
}
