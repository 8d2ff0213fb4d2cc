package localdynamo_test

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/dynamo/dynamotest"
)

// TestIndexKeysSetByUpdates: items that get their index keys from
// UpdateItem, alone or in a transaction, all stay on the index, also when
// an update moves an item's entry, as on DynamoDB.
func TestIndexKeysSetByUpdates(t *testing.T) {
	b := dynamotest.Embedded(t)
	ctx := context.Background()
	str := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	update := func(pk, month string) *types.Update {
		return &types.Update{TableName: aws.String(b.Table),
			Key:                       map[string]types.AttributeValue{"pk": str(pk), "sk": str("CLICKS")},
			UpdateExpression:          aws.String("SET gsi2pk = :gp, gsi2sk = :gs ADD clicks :one"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":gp": str("CLICKERS#0"), ":gs": str(month + "#" + pk), ":one": &types.AttributeValueMemberN{Value: "1"}}}
	}
	var want []string
	for i := range 5 {
		pk := fmt.Sprintf("CLICKS#pt_%d#0", i)
		u := update(pk, "202611")
		if _, err := b.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression, ExpressionAttributeValues: u.ExpressionAttributeValues}); err != nil {
			t.Fatal(err)
		}
		want = append(want, "202611#"+pk)
	}
	if _, err := b.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: update("UNIQUE#pt_9#x#0", "202612")}, {Update: update("CLICKS#pt_0#0", "202612")},
	}}); err != nil {
		t.Fatal(err)
	}
	want[0] = "202612#CLICKS#pt_0#0"
	want = append(want, "202612#UNIQUE#pt_9#x#0")
	sort.Strings(want)
	out, err := b.Client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(b.Table), IndexName: aws.String("gsi2"),
		KeyConditionExpression:    aws.String("gsi2pk = :p AND gsi2sk >= :f"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": str("CLICKERS#0"), ":f": str("2026")}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, item := range out.Items {
		got = append(got, item["gsi2sk"].(*types.AttributeValueMemberS).Value)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("index holds\n%v\nwant\n%v", got, want)
	}
}
