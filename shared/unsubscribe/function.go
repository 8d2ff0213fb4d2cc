package unsubscribe

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/config"
	"partnerkit/shared/dynamo"
)

// FromConfig builds the unsubscribe function's Lambda handler: the one
// place both functions/unsubscribe and the local stack wire it.
func FromConfig(ctx context.Context, cfg config.Config, log *slog.Logger) (lambda.Handler, error) {
	if err := cfg.Require(config.CookieSecret); err != nil {
		return nil, err
	}
	store, _, err := dynamo.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	h := &Handler{
		Store:  store,
		Tokens: &Tokens{Keys: cfg.CookieKeys},
		Now:    time.Now,
		Log:    log,
	}
	return lambda.NewHandler(h.Handle), nil
}
