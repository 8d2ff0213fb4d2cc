package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// batchGet reads up to 100 distinct keys with strongly consistent reads in
// one BatchGetItem, retrying unprocessed keys with backoff, and returns
// the items found by their "pk|sk".
func (st *Store) batchGet(ctx context.Context, keys []map[string]types.AttributeValue) (map[string]map[string]types.AttributeValue, error) {
	return st.batchRead(ctx, keys, true)
}

// batchRead is batchGet with the consistency chosen: eventually
// consistent reads cost half.
func (st *Store) batchRead(ctx context.Context, keys []map[string]types.AttributeValue, consistent bool) (map[string]map[string]types.AttributeValue, error) {
	found := make(map[string]map[string]types.AttributeValue, len(keys))
	if len(keys) == 0 {
		return found, nil
	}
	req := map[string]types.KeysAndAttributes{*st.table: {Keys: keys, ConsistentRead: aws.Bool(consistent)}}
	for attempt := 0; len(req) > 0; attempt++ {
		if attempt > 0 {
			if attempt > 8 {
				return nil, fmt.Errorf("dynamo: batch read: keys still unprocessed after %d attempts", attempt)
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(attempt*attempt) * 10 * time.Millisecond):
			}
		}
		out, err := st.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
		if err != nil {
			return nil, fmt.Errorf("dynamo: batch read: %w", err)
		}
		for _, item := range out.Responses[*st.table] {
			found[str(item, attrPK)+"|"+str(item, attrSK)] = item
		}
		req = out.UnprocessedKeys
	}
	return found, nil
}
