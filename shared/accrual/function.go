package accrual

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/awsconf"
	"partnerkit/shared/config"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/program"
)

// Event is the scheduled event: {"period":"YYYY-MM"}, or {} for the
// previous month.
type Event struct {
	Period string `json:"period"`
}

// FromConfig builds the accrual function's Lambda handler: the one place
// both functions/accrual and the local stack wire it.
func FromConfig(ctx context.Context, cfg config.Config, log *slog.Logger) (lambda.Handler, error) {
	awsCfg, err := awsconf.Load(ctx, cfg)
	if err != nil {
		return nil, err
	}
	store := dynamo.New(awsconf.DynamoDB(awsCfg, cfg.DynamoDBEndpoint), cfg.TableName)
	r := &Runner{
		Store:    store,
		Settings: &program.Cache{Load: store, Defaults: program.FromEnvironment(cfg.CommissionBPS, cfg.CommissionMonths, cfg.MinPayout)},
		Now:      time.Now,
		Log:      log,
		// Stop starting shards with a minute left, so an invocation ends
		// cleanly and Lambda's retry of the failed run resumes the period.
		Reserve: time.Minute,
	}
	return lambda.NewHandler(func(ctx context.Context, ev json.RawMessage) (Result, error) {
		var e Event
		if len(ev) > 0 && string(ev) != "null" {
			if err := json.Unmarshal(ev, &e); err != nil {
				return Result{}, errors.New(`accrual: the event must be {"period":"YYYY-MM"} or {}`)
			}
		}
		res, err := r.Run(ctx, e.Period)
		if err != nil {
			log.ErrorContext(ctx, "accrual run failed", "period", e.Period, "error", err.Error())
		}
		return res, err
	}), nil
}
