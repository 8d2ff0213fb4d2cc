package dynamo

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/program"
)

// ProgramVersions returns one page of the saved versions of the settings,
// newest first. Version 1, the configuration's, is never stored: the
// caller adds it after the last page.
func (st *Store) ProgramVersions(ctx context.Context, pg Page) ([]program.Settings, string, error) {
	items, next, err := st.queryPage(ctx, listQuery{
		in: &dynamodb.QueryInput{
			KeyConditionExpression:    aws.String("pk = :p AND begins_with(sk, :v)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s(programPK), ":v": s("V#")},
			ScanIndexForward:          aws.Bool(false),
		},
		partAttr: attrPK, partValue: programPK, keyAttrs: tableKeyAttrs,
	}, pg)
	if err != nil {
		return nil, "", err
	}
	if next == "" && len(items) > 0 && len(items) == pg.Limit {
		// Version 1, never stored, closes the listing: a last page full of
		// stored versions names a next page, which holds it alone.
		next = encodeCursor(items[len(items)-1], tableKeyAttrs)
	}
	out := make([]program.Settings, 0, len(items))
	for _, item := range items {
		var ps program.Settings
		if err := json.Unmarshal([]byte(str(item, "doc")), &ps); err != nil {
			return nil, "", fmt.Errorf("dynamo: malformed program settings %s: %w", str(item, attrSK), err)
		}
		ps.Normalize()
		out = append(out, ps)
	}
	return out, next, nil
}
