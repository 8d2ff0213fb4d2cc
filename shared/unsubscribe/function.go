package unsubscribe

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/awsconf"
	"partnerkit/shared/config"
	"partnerkit/shared/dynamo"
)

// FromConfig builds the unsubscribe function's Lambda handler: the one
// place both functions/unsubscribe and the local stack wire it.
func FromConfig(ctx context.Context, cfg config.Config, log *slog.Logger) (lambda.Handler, error) {
	if err := cfg.Require(config.CookieSecret); err != nil {
		return nil, err
	}
	awsCfg, err := awsconf.Load(ctx, cfg)
	if err != nil {
		return nil, err
	}
	store := dynamo.New(awsconf.DynamoDB(awsCfg, cfg.DynamoDBEndpoint), cfg.TableName)
	h := &Handler{
		Store:  store,
		Tokens: &Tokens{Keys: cfg.CookieKeys},
		Now:    time.Now,
		Log:    log,
	}
	return lambda.NewHandler(h.Handle), nil
}
