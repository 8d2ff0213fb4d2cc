package dynamo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/program"
)

// ErrStaleProgram reports that the program's settings are no longer at the
// version a write expected.
var ErrStaleProgram = errors.New("dynamo: the program settings changed meanwhile")

// Program returns the current settings, or false while none were saved
// (version 1 is then the configuration's defaults).
func (st *Store) Program(ctx context.Context) (program.Settings, bool, error) {
	item, err := st.get(ctx, programPK, programCurrentSK, true)
	if errors.Is(err, ErrNotFound) {
		return program.Settings{}, false, nil
	}
	if err != nil {
		return program.Settings{}, false, err
	}
	var s program.Settings
	if err := json.Unmarshal([]byte(str(item, "doc")), &s); err != nil {
		return program.Settings{}, false, fmt.Errorf("dynamo: malformed program settings: %w", err)
	}
	s.Normalize()
	return s, true, nil
}

// ProgramVersion returns one kept version of the settings, or false when
// the store has no such version (version 1 is never stored).
func (st *Store) ProgramVersion(ctx context.Context, version int) (program.Settings, bool, error) {
	item, err := st.get(ctx, programPK, programVersionSK(version), false)
	if errors.Is(err, ErrNotFound) {
		return program.Settings{}, false, nil
	}
	if err != nil {
		return program.Settings{}, false, err
	}
	var s program.Settings
	if err := json.Unmarshal([]byte(str(item, "doc")), &s); err != nil {
		return program.Settings{}, false, fmt.Errorf("dynamo: malformed program settings v%d: %w", version, err)
	}
	s.Normalize()
	return s, true, nil
}

// SaveProgram stores ps as the new current version, ps.Version, when the
// current one is still ps.Version-1, and keeps it in the history; otherwise
// it returns ErrStaleProgram and writes nothing.
func (st *Store) SaveProgram(ctx context.Context, ps program.Settings) error {
	doc, err := json.Marshal(ps)
	if err != nil {
		return err
	}
	item := map[string]types.AttributeValue{attrPK: s(programPK), attrSK: s(programCurrentSK), "version": i64(int64(ps.Version)), "doc": s(string(doc))}
	hist := map[string]types.AttributeValue{attrPK: s(programPK), attrSK: s(programVersionSK(ps.Version)), "version": i64(int64(ps.Version)),
		"doc": s(string(doc)), "updated_by": s(ps.UpdatedBy), "updated_at": s(timeText(ps.UpdatedAt))}
	cond := "#v = :prev"
	if ps.Version == 2 {
		// Version 1 is the configuration's, never stored.
		cond = "attribute_not_exists(pk) OR #v = :prev"
	}
	_, err = st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: st.table, Item: item, ConditionExpression: aws.String(cond),
			ExpressionAttributeNames:  map[string]string{"#v": "version"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":prev": i64(int64(ps.Version - 1))}}},
		{Put: &types.Put{TableName: st.table, Item: hist, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
	}})
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		return ErrStaleProgram
	}
	if err != nil {
		return fmt.Errorf("dynamo: saving program settings: %w", err)
	}
	return nil
}

// programCheck is a condition that fails once the settings are no longer
// at version: a write computed under a cached version is refused when an
// admin saved another meanwhile.
func (st *Store) programCheck(version int) types.TransactWriteItem {
	cond := "#v = :v"
	if version <= 1 {
		cond = "attribute_not_exists(pk) OR #v = :v"
	}
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: st.table, Key: key(programPK, programCurrentSK),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  map[string]string{"#v": "version"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": i64(int64(max(version, 1)))}}}
}
