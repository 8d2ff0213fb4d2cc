package partners

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/config"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/referral"
)

// FromConfig builds the partners function's Lambda handler: the one place
// both functions/partners and the local stack wire it.
func FromConfig(ctx context.Context, cfg config.Config, log *slog.Logger) (lambda.Handler, error) {
	redirects, err := referral.NewRedirects(cfg.LandingURL, cfg.AllowedRedirectHosts)
	if err != nil {
		return nil, err
	}
	store, _, err := dynamo.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	h := &Handler{
		Store:     store,
		Money:     store,
		BaseURL:   cfg.PublicBaseURL,
		Redirects: redirects,
		Now:       time.Now,
		Log:       log,
	}
	return lambda.NewHandler(h.Handle), nil
}
