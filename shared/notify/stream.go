package notify

import (
	"context"
	"log/slog"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/dynamo"
)

// Consumer is the notifier's Lambda handler in AWS: it reads the table's
// stream, keeps the new outbox items (the events the state changes wrote
// in their own transactions) and notifies each of their events. It is
// safe for concurrent use.
type Consumer struct {
	Notifier *Notifier
	Log      *slog.Logger
}

// Handle notifies the events of a batch of stream records, in order. A
// record whose events could not all be handled is reported as the batch's
// first failure (ReportBatchItemFailures), so Lambda retries from it;
// events already mailed are not mailed again. A record that cannot be read
// as an outbox item or an event that names nothing known is logged and
// skipped: retrying it would not help.
func (c *Consumer) Handle(ctx context.Context, batch lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error) {
	var resp lambdaevents.DynamoDBEventResponse
	for _, rec := range batch.Records {
		if rec.EventName != string(lambdaevents.DynamoDBOperationTypeInsert) {
			continue
		}
		image := attributeValues(rec.Change.NewImage)
		if sk, _ := image["sk"].(*types.AttributeValueMemberS); sk == nil || sk.Value != dynamo.OutboxSK {
			continue
		}
		o, err := dynamo.OutboxFrom(image)
		if err != nil {
			c.Log.ErrorContext(ctx, "unreadable outbox record skipped", "error", err.Error())
			continue
		}
		if err := c.Notifier.Consume(ctx, o.Events); err != nil {
			c.Log.ErrorContext(ctx, "notification failed; the record will be retried", "outbox_id", o.ID, "error", err.Error())
			resp.BatchItemFailures = []lambdaevents.DynamoDBBatchItemFailure{{ItemIdentifier: rec.Change.SequenceNumber}}
			return resp, nil
		}
	}
	return resp, nil
}

// attributeValues converts a stream image to the SDK's attribute values,
// which the store reads.
func attributeValues(image map[string]lambdaevents.DynamoDBAttributeValue) map[string]types.AttributeValue {
	out := make(map[string]types.AttributeValue, len(image))
	for k, v := range image {
		if av := attributeValue(v); av != nil {
			out[k] = av
		}
	}
	return out
}

func attributeValue(v lambdaevents.DynamoDBAttributeValue) types.AttributeValue {
	switch v.DataType() {
	case lambdaevents.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}
	case lambdaevents.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}
	case lambdaevents.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}
	case lambdaevents.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}
	case lambdaevents.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}
	case lambdaevents.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}
	case lambdaevents.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}
	case lambdaevents.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}
	case lambdaevents.DataTypeList:
		list := make([]types.AttributeValue, 0, len(v.List()))
		for _, e := range v.List() {
			if av := attributeValue(e); av != nil {
				list = append(list, av)
			}
		}
		return &types.AttributeValueMemberL{Value: list}
	case lambdaevents.DataTypeMap:
		return &types.AttributeValueMemberM{Value: attributeValues(v.Map())}
	}
	return nil
}
