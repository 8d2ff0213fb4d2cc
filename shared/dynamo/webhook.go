package dynamo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// WebhookTTL is how long a delivery's first response is kept for replays:
// senders retry for a few days, under new timestamps but the same id.
const WebhookTTL = 7 * 24 * time.Hour

// WebhookResponse is the first response given to a webhook delivery,
// returned again when the same webhook-id is delivered again.
type WebhookResponse struct {
	Endpoint string // "signup", "billing"
	ID       string // webhook-id
	// BodyHash is the delivery's raw body hashed by BodyHash, so an id
	// reused with another body is told apart. Responses stored before it
	// was kept have none.
	BodyHash []byte
	Status   int
	Body     string
}

// BodyHash is the SHA-256 of a delivery's raw body, kept with its first
// response.
func BodyHash(body []byte) []byte {
	h := sha256.Sum256(body)
	return h[:]
}

// Answers reports whether r may answer a delivery of the body hashing to
// hash under r's webhook-id: the same body, or any body when r was stored
// without a hash, so responses kept before hashes were keep replaying.
func (r WebhookResponse) Answers(hash []byte) bool {
	return len(r.BodyHash) == 0 || bytes.Equal(r.BodyHash, hash)
}

// attrBodyHash holds WebhookResponse.BodyHash.
const attrBodyHash = "body_sha256"

func webhookItem(r WebhookResponse, now time.Time) map[string]types.AttributeValue {
	item := webhookKey(r.Endpoint, r.ID)
	item["status"] = n(strconv.Itoa(r.Status))
	item["body"] = s(r.Body)
	if len(r.BodyHash) > 0 {
		item[attrBodyHash] = &types.AttributeValueMemberB{Value: r.BodyHash}
	}
	item[attrExpires] = n(strconv.FormatInt(now.Add(WebhookTTL).Unix(), 10))
	return item
}

func webhookFrom(endpoint, id string, item map[string]types.AttributeValue) (WebhookResponse, bool) {
	status, err := num(item, "status")
	if err != nil || status == 0 {
		return WebhookResponse{}, false
	}
	w := WebhookResponse{Endpoint: endpoint, ID: id, Status: int(status), Body: str(item, "body")}
	if h, ok := item[attrBodyHash].(*types.AttributeValueMemberB); ok {
		w.BodyHash = h.Value
	}
	return w, true
}

func webhookPut(st *Store, r WebhookResponse, now time.Time) *types.Put {
	return &types.Put{
		TableName: st.table, Item: webhookItem(r, now),
		ConditionExpression:                 aws.String("attribute_not_exists(pk)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
}

// SaveWebhookResponse keeps r as the first response of its delivery. If a
// concurrent delivery of the same id got there first, its response is
// returned instead, so both callers answer alike.
func (st *Store) SaveWebhookResponse(ctx context.Context, r WebhookResponse, now time.Time) (WebhookResponse, error) {
	p := webhookPut(st, r, now)
	_, err := st.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: p.TableName, Item: p.Item, ConditionExpression: p.ConditionExpression,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		return r, nil
	}
	ccf, lost := conditionFailed(err)
	if !lost {
		return WebhookResponse{}, fmt.Errorf("dynamo: saving webhook response: %w", err)
	}
	return st.firstWebhookResponse(ctx, r.Endpoint, r.ID, ccf.Item)
}

// firstWebhookResponse reads the stored response from the item a failed
// condition returned, or from the table when the server returned none.
func (st *Store) firstWebhookResponse(ctx context.Context, endpoint, id string, old map[string]types.AttributeValue) (WebhookResponse, error) {
	item, err := st.heldItem(ctx, old, webhookKey(endpoint, id))
	if err != nil {
		return WebhookResponse{}, fmt.Errorf("dynamo: reading webhook response: %w", err)
	}
	w, ok := webhookFrom(endpoint, id, item)
	if !ok {
		return WebhookResponse{}, fmt.Errorf("dynamo: malformed webhook response %s", id)
	}
	return w, nil
}

// FirstResponse returns the stored first response of a delivery, if any.
func (st *Store) FirstResponse(ctx context.Context, endpoint, id string) (WebhookResponse, bool, error) {
	item, err := st.get(ctx, "WEBHOOK#"+endpoint+"#"+id, "WEBHOOK", true)
	if errors.Is(err, ErrNotFound) {
		return WebhookResponse{}, false, nil
	}
	if err != nil {
		return WebhookResponse{}, false, err
	}
	w, ok := webhookFrom(endpoint, id, item)
	return w, ok, nil
}
