package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/awsconf"
	"partnerkit/shared/config"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/notify"
)

// Summary is what one invocation of the events function did.
type Summary struct {
	Dispatched int `json:"dispatched"`
	Attempted  int `json:"attempted"`
}

// SweepAge is how old an outbox item must be before the scheduled sweep
// dispatches it: younger ones are the stream's to hand over.
const SweepAge = 2 * time.Minute

// reserve is the time left before the deadline at which an invocation
// stops taking queues (or a third of its time, when that is less).
const reserve = 30 * time.Second

// FromConfig builds the events function's Lambda handler: the one place
// both functions/events and the local stack wire it. It takes the table's
// stream records (outbox items, by the template's filter) and the
// scheduler's every-minute event ({}): the first dispatches the items and
// delivers at once, the second sweeps the outbox and works due retries.
func FromConfig(ctx context.Context, cfg config.Config, log *slog.Logger) (lambda.Handler, error) {
	awsCfg, err := awsconf.Load(ctx, cfg)
	if err != nil {
		return nil, err
	}
	store := dynamo.New(awsconf.DynamoDB(awsCfg, cfg.DynamoDBEndpoint), cfg.TableName)
	// The partner emails take every outbox item's events too.
	n, err := notify.FromConfig(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	w := &Worker{Store: store, Sender: NewHTTPSender(cfg.Local), Now: time.Now, Log: log, Consumers: []Consumer{n.Consume}}
	return lambda.NewHandler(func(ctx context.Context, raw json.RawMessage) (Summary, error) {
		res, err := w.Invoke(ctx, raw)
		if err != nil {
			log.ErrorContext(ctx, "events run failed", "error", err.Error())
		}
		return res, err
	}), nil
}

// Invoke handles one invocation's event: stream records or a schedule.
func (w *Worker) Invoke(ctx context.Context, raw json.RawMessage) (Summary, error) {
	var stream events.DynamoDBEvent
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &stream); err != nil {
			return Summary{}, fmt.Errorf("delivery: the event is neither stream records nor {}: %w", err)
		}
	}
	var res Summary
	if len(stream.Records) > 0 {
		for _, r := range stream.Records {
			if r.Change.NewImage == nil {
				continue // a removal: the item was dispatched
			}
			o, err := dynamo.OutboxFrom(streamItem(r.Change.NewImage))
			if err != nil {
				return res, err
			}
			// A failure fails the batch: Lambda retries it, and dispatching
			// an item again enqueues nothing twice.
			if err := w.Dispatch(ctx, o); err != nil {
				return res, err
			}
			res.Dispatched++
		}
	} else {
		n, err := w.Sweep(ctx, SweepAge, 500)
		res.Dispatched = n
		if err != nil {
			return res, err
		}
	}
	deadline, hasDeadline := ctx.Deadline()
	// A short invocation keeps a third of its time in reserve instead.
	stopAt := min(reserve, time.Until(deadline)/3)
	for {
		if hasDeadline && time.Until(deadline) < stopAt {
			return res, nil
		}
		n, err := w.Work(ctx, 50)
		res.Attempted += n
		if err != nil || n == 0 {
			return res, err
		}
	}
}

// streamItem converts a stream image to the SDK's attribute values.
func streamItem(img map[string]events.DynamoDBAttributeValue) map[string]types.AttributeValue {
	out := make(map[string]types.AttributeValue, len(img))
	for k, v := range img {
		if av := streamValue(v); av != nil {
			out[k] = av
		}
	}
	return out
}

func streamValue(v events.DynamoDBAttributeValue) types.AttributeValue {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}
	case events.DataTypeList:
		var l []types.AttributeValue
		for _, x := range v.List() {
			if av := streamValue(x); av != nil {
				l = append(l, av)
			}
		}
		return &types.AttributeValueMemberL{Value: l}
	case events.DataTypeMap:
		return &types.AttributeValueMemberM{Value: streamItem(v.Map())}
	}
	return nil
}

// ErrStopped is returned by Run when its context ends.
var ErrStopped = errors.New("delivery: stopped")

// Run drains the outbox and due deliveries every interval until ctx ends:
// the local stack's stand-in for the stream and the schedule.
func (w *Worker) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := w.Drain(ctx); err != nil && ctx.Err() == nil {
			w.log().Warn("draining events", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return ErrStopped
		case <-t.C:
		}
	}
}
