package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/ledger"
)

// Cursor is a position in a listing that spans several partitions: the
// partition's index in the listing, and the sort key of the last item
// read in it ("" to start at its beginning).
type Cursor struct {
	Part  int
	After string
}

// pageQuery walks the partitions of a listing from c and hands f at most
// limit items, then returns where the next page starts, or nil when
// nothing remains: it reads one item past the page (in a later partition
// if need be), so a full page at the end of the listing is its last and
// no page comes back empty. Reads are bounded by limit+1 items and one
// Query per partition, whatever the listing's size. A filter (which
// DynamoDB applies after Limit) may keep fewer: once limit+1 items are
// read, the page ends with a cursor even if what follows is filtered out.
func (st *Store) pageQuery(ctx context.Context, parts int, c Cursor, limit int, in func(part int) *dynamodb.QueryInput, f func(map[string]types.AttributeValue) error) (*Cursor, error) {
	read, kept := 0, 0
	var last Cursor // the position of the last item kept
	for part := c.Part; part < parts; part++ {
		q := in(part)
		if part == c.Part && c.After != "" {
			pk := q.ExpressionAttributeValues[":pk"]
			q.ExclusiveStartKey = map[string]types.AttributeValue{attrPK: pk, attrSK: s(c.After)}
		}
		for {
			// One item past the page; once a filter has spent the page's
			// reads, one item to learn whether any remain.
			q.Limit = aws.Int32(int32(max(limit-read+1, 1)))
			out, err := st.db.Query(ctx, q)
			if err != nil {
				return nil, fmt.Errorf("dynamo: query: %w", err)
			}
			// The embedded server ignores Limit: an item past the page is
			// the proof that more remain, wherever it comes from.
			for _, item := range out.Items {
				if kept == limit {
					return &last, nil
				}
				if err := f(item); err != nil {
					return nil, err
				}
				kept++
				last = Cursor{Part: part, After: str(item, attrSK)}
			}
			read += max(int(out.ScannedCount), len(out.Items))
			if len(out.LastEvaluatedKey) == 0 {
				break
			}
			if read > limit {
				// Filtered out past the budget: go on from here next page.
				return &Cursor{Part: part, After: str(out.LastEvaluatedKey, attrSK)}, nil
			}
			q.ExclusiveStartKey = out.LastEvaluatedKey
		}
		if read > limit && part+1 < parts && kept < limit {
			return &Cursor{Part: part + 1}, nil
		}
	}
	return nil, nil
}

// PeriodStatementsPage returns up to limit statements of a period from c,
// shard by shard, and the cursor of the next page (nil at the end). With
// payableOnly it keeps the payable ones, still reading at most limit.
func (st *Store) PeriodStatementsPage(ctx context.Context, period string, payableOnly bool, c Cursor, limit int) ([]ledger.Statement, *Cursor, error) {
	var out []ledger.Statement
	next, err := st.pageQuery(ctx, LedgerShards, c, limit, func(part int) *dynamodb.QueryInput {
		q := &dynamodb.QueryInput{
			TableName: st.table, KeyConditionExpression: aws.String("pk = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(statementsPK(period, part))},
		}
		if payableOnly {
			q.FilterExpression = aws.String("#st = :payable")
			q.ExpressionAttributeNames = map[string]string{"#st": "status"}
			q.ExpressionAttributeValues[":payable"] = s(ledger.StatusPayable)
		}
		return q
	}, func(item map[string]types.AttributeValue) error {
		stmt, err := statementFrom(item)
		out = append(out, stmt)
		return err
	})
	return out, next, err
}

// PartnerLinesPage returns up to limit of a partner's lines in the given
// buckets from c, bucket by bucket in line id order, and the cursor of the
// next page (nil at the end).
func (st *Store) PartnerLinesPage(ctx context.Context, partnerID string, buckets []string, c Cursor, limit int) ([]ledger.Line, *Cursor, error) {
	var out []ledger.Line
	next, err := st.pageQuery(ctx, len(buckets), c, limit, func(part int) *dynamodb.QueryInput {
		return &dynamodb.QueryInput{
			TableName:              st.table,
			KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :p)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": s(linesPK(buckets[part], PartnerShard(partnerID))), ":p": s(partnerID + "#"),
			},
		}
	}, func(item map[string]types.AttributeValue) error {
		l, err := lineFrom(item)
		out = append(out, l)
		return err
	})
	return out, next, err
}
