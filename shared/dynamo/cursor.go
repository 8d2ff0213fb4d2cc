package dynamo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ErrBadCursor is returned for a cursor this list did not hand out.
var ErrBadCursor = errors.New("dynamo: malformed cursor")

// Page asks for one page of a list: at most Limit items after Cursor, the
// opaque next cursor of the page before ("" for the first page).
type Page struct {
	Limit  int
	Cursor string
}

// listQuery is one list's Query: partition attribute and value, and the
// key attributes a position in it needs.
type listQuery struct {
	in        *dynamodb.QueryInput
	partAttr  string
	partValue string
	keyAttrs  []string
}

var (
	tableKeyAttrs = []string{attrPK, attrSK}
	gsi1KeyAttrs  = []string{attrPK, attrSK, "gsi1pk", "gsi1sk"}
)

// queryPage reads one page: Limit+1 items, so the next cursor is only
// given when more remain. A filtered query, or one that hits DynamoDB's
// 1 MB per request, may stop short with a cursor anyway (DynamoDB counts
// items read, not kept). The items a page reads never depend on how long
// the list is.
func (st *Store) queryPage(ctx context.Context, q listQuery, pg Page) ([]map[string]types.AttributeValue, string, error) {
	if pg.Cursor != "" {
		start, err := decodeCursor(pg.Cursor, q)
		if err != nil {
			return nil, "", err
		}
		q.in.ExclusiveStartKey = start
	}
	q.in.TableName = st.table
	q.in.Limit = aws.Int32(int32(pg.Limit + 1))
	out, err := st.db.Query(ctx, q.in)
	if err != nil {
		return nil, "", fmt.Errorf("dynamo: listing: %w", err)
	}
	items := out.Items
	switch {
	case len(items) > pg.Limit:
		items = items[:pg.Limit]
		return items, encodeCursor(items[len(items)-1], q.keyAttrs), nil
	case len(out.LastEvaluatedKey) > 0:
		return items, encodeCursor(out.LastEvaluatedKey, q.keyAttrs), nil
	}
	return items, "", nil
}

// A cursor is the key of the last item of a page, as JSON in base64url.
func encodeCursor(item map[string]types.AttributeValue, attrs []string) string {
	k := make(map[string]string, len(attrs))
	for _, a := range attrs {
		k[a] = str(item, a)
	}
	b, err := json.Marshal(k)
	if err != nil {
		panic("dynamo: encoding a cursor: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor accepts only a position in q's own partition, with exactly
// its key attributes: another list's cursor is as malformed as garbage.
func decodeCursor(c string, q listQuery) (map[string]types.AttributeValue, error) {
	if len(c) > 2048 {
		return nil, ErrBadCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, ErrBadCursor
	}
	var k map[string]string
	if err := json.Unmarshal(b, &k); err != nil || len(k) != len(q.keyAttrs) || k[q.partAttr] != q.partValue {
		return nil, ErrBadCursor
	}
	start := make(map[string]types.AttributeValue, len(k))
	for _, a := range q.keyAttrs {
		if k[a] == "" {
			return nil, ErrBadCursor
		}
		start[a] = s(k[a])
	}
	return start, nil
}
