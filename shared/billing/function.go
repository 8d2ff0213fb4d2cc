package billing

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/config"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/webhook"
)

// FromConfig builds the billing function's Lambda handler: the one place
// both functions/billing and the local stack wire it.
func FromConfig(ctx context.Context, cfg config.Config, log *slog.Logger) (lambda.Handler, error) {
	verifier, err := webhook.FromConfig(cfg)
	if err != nil {
		return nil, err
	}
	store, _, err := dynamo.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	h := &Handler{
		Store:    store,
		Verifier: verifier,
		BPS:      cfg.CommissionBPS,
		Months:   cfg.CommissionMonths,
		Now:      time.Now,
		Log:      log,
	}
	return lambda.NewHandler(h.Handle), nil
}
