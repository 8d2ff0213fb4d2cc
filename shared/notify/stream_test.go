package notify

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/email"
	"partnerkit/shared/email/sestest"
	"partnerkit/shared/events"
)

// streamImage is an item as a stream record carries it.
func streamImage(t *testing.T, item map[string]types.AttributeValue) map[string]lambdaevents.DynamoDBAttributeValue {
	t.Helper()
	var conv func(types.AttributeValue) lambdaevents.DynamoDBAttributeValue
	conv = func(v types.AttributeValue) lambdaevents.DynamoDBAttributeValue {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			return lambdaevents.NewStringAttribute(v.Value)
		case *types.AttributeValueMemberN:
			return lambdaevents.NewNumberAttribute(v.Value)
		case *types.AttributeValueMemberL:
			var l []lambdaevents.DynamoDBAttributeValue
			for _, e := range v.Value {
				l = append(l, conv(e))
			}
			return lambdaevents.NewListAttribute(l)
		}
		t.Fatalf("unexpected attribute %T", v)
		return lambdaevents.DynamoDBAttributeValue{}
	}
	out := map[string]lambdaevents.DynamoDBAttributeValue{}
	for k, v := range item {
		out[k] = conv(v)
	}
	return out
}

func record(t *testing.T, seq, name string, image map[string]lambdaevents.DynamoDBAttributeValue) lambdaevents.DynamoDBEventRecord {
	r := lambdaevents.DynamoDBEventRecord{EventName: name, EventSource: "aws:dynamodb", AWSRegion: "us-east-1"}
	r.Change.SequenceNumber = seq
	r.Change.NewImage = image
	r.Change.StreamViewType = "NEW_IMAGE"
	return r
}

// invokeStream runs a batch through the Lambda handler as JSON, as the
// stream's event source mapping sends it.
func invokeStream(t *testing.T, c *Consumer, recs ...lambdaevents.DynamoDBEventRecord) lambdaevents.DynamoDBEventResponse {
	t.Helper()
	payload, err := json.Marshal(lambdaevents.DynamoDBEvent{Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	out, err := lambda.NewHandler(c.Handle).Invoke(context.Background(), payload)
	if err != nil {
		t.Fatal(err)
	}
	var resp lambdaevents.DynamoDBEventResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestStreamConsumer: the outbox item a partner's enrolment writes,
// delivered by the stream (twice, as streams may), sends one welcome;
// other items and modifications are ignored; an SES failure reports its
// record for retry, and the retry sends it.
func TestStreamConsumer(t *testing.T) {
	endpoint := sestest.Endpoint(t)
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		f := newFixture(t, b, endpoint)
		c := &Consumer{Notifier: f.n, Log: f.n.Log}
		p := f.enroll(t, "pt_stream_"+b.Name, "Stella")
		welcome := dynamo.OutboxItem([]events.Event{events.Enrolled(p, testNow)})
		other := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "PARTNER#" + p.ID}, "sk": &types.AttributeValueMemberS{Value: "PROFILE"}}

		resp := invokeStream(t, c,
			record(t, "100", "INSERT", streamImage(t, other)),
			record(t, "101", "INSERT", streamImage(t, welcome)),
			record(t, "102", "MODIFY", streamImage(t, welcome)),
			record(t, "103", "INSERT", streamImage(t, welcome)),
		)
		if len(resp.BatchItemFailures) != 0 {
			t.Fatalf("failures %v, want none", resp.BatchItemFailures)
		}
		got := f.sent(t, p)
		if len(got) != 1 || !strings.Contains(got[0].Body.Text, baseURL+"/r/"+p.Code) {
			t.Fatalf("captured %d emails, want one welcome with the link", len(got))
		}

		q := f.enroll(t, "pt_stream_retry_"+b.Name, "Quinn")
		item := dynamo.OutboxItem([]events.Event{events.Enrolled(q, testNow)})
		good := f.n.Sender
		f.n.Sender = email.NewSES(sestest.Client(endpoint+"/no-such-api"), "")
		resp = invokeStream(t, c, record(t, "200", "INSERT", streamImage(t, item)))
		if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "200" {
			t.Fatalf("failures %v, want record 200", resp.BatchItemFailures)
		}
		f.n.Sender = good
		if resp := invokeStream(t, c, record(t, "200", "INSERT", streamImage(t, item))); len(resp.BatchItemFailures) != 0 {
			t.Fatalf("retry failures %v", resp.BatchItemFailures)
		}
		if got := f.sent(t, q); len(got) != 1 {
			t.Errorf("captured %d after the retry, want 1", len(got))
		}
	})
}
