package signup

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/awsconf"
	"partnerkit/shared/config"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/emailaddr"
	"partnerkit/shared/webhook"
)

// FromConfig builds the signup function's Lambda handler: the one place
// both functions/signup and the local stack wire it.
func FromConfig(ctx context.Context, cfg config.Config, log *slog.Logger) (lambda.Handler, error) {
	if err := cfg.Require(config.HashSecret); err != nil {
		return nil, err
	}
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
		Hasher:   emailaddr.NewHasher(cfg.HashSecret),
		Window:   cfg.CookieMaxAge(),
		Now:      time.Now,
		Log:      log,
	}
	return lambda.NewHandler(h.Handle), nil
}
