package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/ledger"
)

// LedgerShards is how many partitions hold one period's lines and
// statements. Lines go to the shard of their partner, so one shard holds
// all of a partner's lines and the monthly run closes shards independently
// and in parallel.
const LedgerShards = 32

// ErrPeriodClosing reports that a line's period began closing while the
// line was being written; the caller picks the next open period and retries.
var ErrPeriodClosing = errors.New("dynamo: the period is closing")

// PartnerShard returns the ledger shard of a partner.
func PartnerShard(partnerID string) int {
	// FNV-1a, spelled out so the redirect's clicks hash without allocating.
	h := uint32(2166136261)
	for i := 0; i < len(partnerID); i++ {
		h ^= uint32(partnerID[i])
		h *= 16777619
	}
	return int(h % LedgerShards)
}

func shardText(s int) string { return fmt.Sprintf("%02d", s) }

func lineItem(l ledger.Line, period string) map[string]types.AttributeValue {
	item := key(linesPK(period, PartnerShard(l.PartnerID)), l.PartnerID+"#"+l.ID)
	item["line_id"] = s(l.ID)
	item["kind"] = s(l.Kind)
	item["partner_id"] = s(l.PartnerID)
	item["payment_id"] = s(l.PaymentID)
	item["customer_id"] = s(l.CustomerID)
	item["currency"] = s(l.Currency)
	item["amount"] = n(strconv.FormatInt(l.Amount, 10))
	item["at"] = n(strconv.FormatInt(l.At, 10))
	if l.RefundID != "" {
		item["refund_id"] = s(l.RefundID)
	}
	if b := l.Basis; b != nil {
		// What produced the line, so it can say why it is that amount.
		m := map[string]types.AttributeValue{"v": i64(int64(b.Version)), "bps": i64(int64(b.BPS)), "base": i64(b.Base)}
		if b.Plan != "" {
			m["plan"] = s(b.Plan)
		}
		if b.Bounty != 0 {
			m["bounty"] = i64(b.Bounty)
		}
		if b.Capped {
			m["capped"] = &types.AttributeValueMemberBOOL{Value: true}
		}
		if b.Of != "" {
			m["of"] = s(b.Of)
		}
		item["basis"] = &types.AttributeValueMemberM{Value: m}
	}
	return item
}

func basisFrom(item map[string]types.AttributeValue) (*ledger.Basis, error) {
	m, ok := item["basis"].(*types.AttributeValueMemberM)
	if !ok {
		return nil, nil
	}
	b := ledger.Basis{Plan: str(m.Value, "plan"), Of: str(m.Value, "of")}
	var v, bps int64
	var err error
	for name, dst := range map[string]*int64{"v": &v, "bps": &bps, "base": &b.Base, "bounty": &b.Bounty} {
		if *dst, err = num(m.Value, name); err != nil {
			return nil, err
		}
	}
	b.Version, b.BPS = int(v), int(bps)
	if c, ok := m.Value["capped"].(*types.AttributeValueMemberBOOL); ok {
		b.Capped = c.Value
	}
	return &b, nil
}

func lineFrom(item map[string]types.AttributeValue) (ledger.Line, error) {
	amount, err := num(item, "amount")
	if err != nil {
		return ledger.Line{}, err
	}
	at, err := num(item, "at")
	if err != nil {
		return ledger.Line{}, err
	}
	basis, err := basisFrom(item)
	if err != nil {
		return ledger.Line{}, err
	}
	return ledger.Line{
		ID: str(item, "line_id"), Kind: str(item, "kind"), PartnerID: str(item, "partner_id"),
		PaymentID: str(item, "payment_id"), RefundID: str(item, "refund_id"), CustomerID: str(item, "customer_id"),
		Currency: str(item, "currency"), Amount: amount, At: at, Basis: basis,
	}, nil
}

// linePut writes a line once: its id is derived from the payment or
// refund, so a retried write can never add it twice.
func (st *Store) linePut(l ledger.Line, period string) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{
		TableName: st.table, Item: lineItem(l, period), ConditionExpression: aws.String("attribute_not_exists(pk)"),
	}}
}

// periodOpen is a condition that fails once the period began closing.
func (st *Store) periodOpen(period string) types.TransactWriteItem {
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName: st.table, Key: key("PERIOD#"+period, "PERIOD"),
		ConditionExpression:      aws.String("attribute_not_exists(#st)"),
		ExpressionAttributeNames: map[string]string{"#st": "status"},
	}}
}

func ledgerFrom(item map[string]types.AttributeValue) ledger.State {
	return ledger.State{LastClosed: str(item, "last_closed"), Low: str(item, "low"), Closing: str(item, "closing")}
}

// LedgerState reads the ledger-wide state.
func (st *Store) LedgerState(ctx context.Context) (ledger.State, error) {
	item, err := st.get(ctx, "LEDGER", "LEDGER", true)
	if errors.Is(err, ErrNotFound) {
		return ledger.State{}, nil
	}
	if err != nil {
		return ledger.State{}, err
	}
	return ledgerFrom(item), nil
}

// LowerLow records that bucket may hold lines when it is earlier than
// every bucket recorded so far, so the next close sweeps it. Only a line
// earlier than all before it pays for this write.
func (st *Store) LowerLow(ctx context.Context, bucket string) error {
	_, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: st.table, Key: ledgerKey, UpdateExpression: aws.String("SET low = :b"),
		ConditionExpression:       aws.String("attribute_not_exists(low) OR low > :b"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":b": s(bucket)},
	})
	if _, lost := conditionFailed(err); lost {
		return nil
	}
	if err != nil {
		return fmt.Errorf("dynamo: recording bucket %s: %w", bucket, err)
	}
	return nil
}

// PartnerLines returns a partner's lines in one period's bucket, in line
// id order.
func (st *Store) PartnerLines(ctx context.Context, partnerID, period string) ([]ledger.Line, error) {
	var lines []ledger.Line
	err := st.query(ctx, &dynamodb.QueryInput{
		TableName:                 st.table,
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(linesPK(period, PartnerShard(partnerID))), ":p": s(partnerID + "#")},
		ConsistentRead:            aws.Bool(true),
	}, func(item map[string]types.AttributeValue) error {
		l, err := lineFrom(item)
		lines = append(lines, l)
		return err
	})
	return lines, err
}

// query runs a paginated Query and hands each item to f.
func (st *Store) query(ctx context.Context, in *dynamodb.QueryInput, f func(map[string]types.AttributeValue) error) error {
	for {
		out, err := st.db.Query(ctx, in)
		if err != nil {
			return fmt.Errorf("dynamo: query: %w", err)
		}
		for _, item := range out.Items {
			if err := f(item); err != nil {
				return err
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}
