package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/httpapi"
)

// streamConsumers are the template's functions that read the table's
// stream (their DynamoDB event); locally the drain feeds them instead.
var streamConsumers = []string{"NotifyFunction"}

// drain hands the outbox's new items to the stream consumers as stream
// records, the way DynamoDB Streams does in AWS, so the same handlers run.
// It leaves the items in the outbox (deleting them is the dispatcher's);
// it remembers which it handed over, until the stack stops.
type drain struct {
	store *dynamo.Store
	mu    sync.Mutex
	seen  map[string]bool
	seq   int64
}

// drainOnce hands over every outbox item not handed over yet and returns how
// many it handed over. An item a consumer reports as failed is handed over
// again next time, as a stream retries it.
func (s *stack) drainOnce(ctx context.Context) (int, error) {
	d := s.drain
	d.mu.Lock()
	defer d.mu.Unlock()
	pending, err := d.store.PendingOutbox(ctx, time.Now().Add(time.Second), 1000)
	if err != nil {
		return 0, err
	}
	var recs []lambdaevents.DynamoDBEventRecord
	var ids []string
	for _, o := range pending {
		if d.seen[o.ID] {
			continue
		}
		d.seq++
		r := lambdaevents.DynamoDBEventRecord{EventName: string(lambdaevents.DynamoDBOperationTypeInsert), EventSource: "aws:dynamodb", AWSRegion: "us-east-1"}
		r.Change.SequenceNumber = strconv.FormatInt(d.seq, 10)
		r.Change.StreamViewType = "NEW_IMAGE"
		r.Change.NewImage = streamImage(dynamo.OutboxItem(o.Events))
		r.Change.Keys = map[string]lambdaevents.DynamoDBAttributeValue{"pk": r.Change.NewImage["pk"], "sk": r.Change.NewImage["sk"]}
		recs, ids = append(recs, r), append(ids, o.ID)
	}
	if len(recs) == 0 {
		return 0, nil
	}
	payload, err := json.Marshal(lambdaevents.DynamoDBEvent{Records: recs})
	if err != nil {
		return 0, err
	}
	// The first failure a consumer reports, by sequence number: that
	// record and the ones after it are handed over again.
	failedFrom := d.seq + 1
	for _, id := range streamConsumers {
		h, ok := s.handlers[id]
		if !ok {
			continue
		}
		out, err := h.Invoke(ctx, payload)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", id, err)
		}
		var resp lambdaevents.DynamoDBEventResponse
		if err := json.Unmarshal(out, &resp); err != nil {
			return 0, fmt.Errorf("%s: %w", id, err)
		}
		for _, f := range resp.BatchItemFailures {
			if n, err := strconv.ParseInt(f.ItemIdentifier, 10, 64); err == nil && n < failedFrom {
				failedFrom = n
			}
		}
	}
	handed := 0
	for i, r := range recs {
		if n, _ := strconv.ParseInt(r.Change.SequenceNumber, 10, 64); n < failedFrom {
			d.seen[ids[i]] = true
			handed++
		}
	}
	return handed, nil
}

// drainLoop drains the outbox every interval until ctx ends.
func (s *stack) drainLoop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.drainOnce(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("outbox drain", "error", err.Error())
			}
		}
	}
}

// serveDrain answers POST /_local/drain: one drain now, for tests and
// scripts that want the emails of what they just did without waiting.
func (s *stack) serveDrain(w http.ResponseWriter, r *http.Request) {
	n, err := s.drainOnce(r.Context())
	if err != nil {
		s.log.Error("outbox drain", "error", err.Error())
		writeError(w, httpapi.Errorf(httpapi.CodeInternal, "The drain failed; see the stack's log."))
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"items": n})
}

// streamImage is an item as a stream record carries it.
func streamImage(item map[string]types.AttributeValue) map[string]lambdaevents.DynamoDBAttributeValue {
	out := make(map[string]lambdaevents.DynamoDBAttributeValue, len(item))
	for k, v := range item {
		out[k] = streamValue(v)
	}
	return out
}

func streamValue(v types.AttributeValue) lambdaevents.DynamoDBAttributeValue {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return lambdaevents.NewStringAttribute(v.Value)
	case *types.AttributeValueMemberN:
		return lambdaevents.NewNumberAttribute(v.Value)
	case *types.AttributeValueMemberBOOL:
		return lambdaevents.NewBooleanAttribute(v.Value)
	case *types.AttributeValueMemberB:
		return lambdaevents.NewBinaryAttribute(v.Value)
	case *types.AttributeValueMemberSS:
		return lambdaevents.NewStringSetAttribute(v.Value)
	case *types.AttributeValueMemberNS:
		return lambdaevents.NewNumberSetAttribute(v.Value)
	case *types.AttributeValueMemberBS:
		return lambdaevents.NewBinarySetAttribute(v.Value)
	case *types.AttributeValueMemberL:
		l := make([]lambdaevents.DynamoDBAttributeValue, 0, len(v.Value))
		for _, e := range v.Value {
			l = append(l, streamValue(e))
		}
		return lambdaevents.NewListAttribute(l)
	case *types.AttributeValueMemberM:
		return lambdaevents.NewMapAttribute(streamImage(v.Value))
	}
	return lambdaevents.NewNullAttribute()
}
