package billing

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/awsconf"
	"partnerkit/shared/config"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/program"
	"partnerkit/shared/webhook"
)

// FromConfig builds the billing function's Lambda handler: the one place
// both functions/billing and the local stack wire it.
func FromConfig(ctx context.Context, cfg config.Config, log *slog.Logger) (lambda.Handler, error) {
	if err := cfg.Require(config.WebhookSecret); err != nil {
		return nil, err
	}
	verifier, err := webhook.NewVerifier(cfg.WebhookSecrets, nil)
	if err != nil {
		return nil, err
	}
	awsCfg, err := awsconf.Load(ctx, cfg)
	if err != nil {
		return nil, err
	}
	store := dynamo.New(awsconf.DynamoDB(awsCfg, cfg.DynamoDBEndpoint), cfg.TableName)
	h := &Handler{
		Store:    store,
		Verifier: verifier,
		Settings: &program.Cache{Load: store, Defaults: program.FromEnvironment(cfg.CommissionBPS, cfg.CommissionMonths, cfg.MinPayout)},
		Now:      time.Now,
		Log:      log,
	}
	return lambda.NewHandler(h.Handle), nil
}
