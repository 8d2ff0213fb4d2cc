package dynamo

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// API is the part of the DynamoDB client the store uses; its methods copy
// the SDK's signatures so *dynamodb.Client satisfies it.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// Errors callers branch on.
var (
	ErrNotFound  = errors.New("dynamo: not found")
	ErrCodeTaken = errors.New("dynamo: referral code taken")
)

// Attribute names shared by several item kinds.
const (
	attrPK      = "pk"
	attrSK      = "sk"
	attrExpires = "expires_at" // the table's TTL attribute
)

// Store reads and writes the partnerkit table. It is safe for concurrent use.
type Store struct {
	db    API
	table *string
	// now stamps the events of writes whose callers pass no time.
	now func() time.Time
}

// New returns a Store on the named table.
func New(db API, table string) *Store {
	return &Store{db: db, table: aws.String(table), now: time.Now}
}

// WithClock makes the store stamp events with now instead of the system
// clock, and returns it.
func (st *Store) WithClock(now func() time.Time) *Store {
	st.now = now
	return st
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: s(pk), attrSK: s(sk)}
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

func str(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func conditionFailed(err error) (*types.ConditionalCheckFailedException, bool) {
	var ccf *types.ConditionalCheckFailedException
	return ccf, errors.As(err, &ccf)
}

func (st *Store) get(ctx context.Context, pk, sk string, consistent bool) (map[string]types.AttributeValue, error) {
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      st.table,
		Key:            key(pk, sk),
		ConsistentRead: aws.Bool(consistent),
	})
	if err != nil {
		return nil, err
	}
	if len(out.Item) == 0 {
		return nil, ErrNotFound
	}
	return out.Item, nil
}

// heldItem returns the item that made a conditional write fail: the one
// DynamoDB returned with the failure (ReturnValuesOnConditionCheckFailure
// ALL_OLD) or, from servers that return none, a consistent read of it.
// Losers of a first-writer-wins race answer with the winner this way.
func (st *Store) heldItem(ctx context.Context, returned, k map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	if len(returned) > 0 {
		return returned, nil
	}
	return st.get(ctx, str(k, attrPK), str(k, attrSK), true)
}

// TimeFormat is how partnerkit writes times, stored and in answers alike:
// RFC 3339 in UTC with milliseconds, so they sort as text.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

func timeText(t time.Time) string { return t.UTC().Format(TimeFormat) }

// Contended reports whether err is a write that lost to a concurrent one
// (a cancelled or conflicting transaction), which a retry may win.
func Contended(err error) bool {
	var tce *types.TransactionCanceledException
	var tc *types.TransactionConflictException
	return errors.As(err, &tce) || errors.As(err, &tc)
}
