package redirect

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/config"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/referral"
)

// FromConfig builds the redirect function's Lambda handler from the
// configuration: the one place both functions/redirect and the local stack
// wire it, so they cannot drift.
func FromConfig(ctx context.Context, cfg config.Config, log *slog.Logger) (lambda.Handler, error) {
	if err := cfg.Require(config.CookieSecret); err != nil {
		return nil, err
	}
	redirects, err := referral.NewRedirects(cfg.LandingURL, cfg.AllowedRedirectHosts)
	if err != nil {
		return nil, err
	}
	store, _, err := dynamo.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	ttl := CodeTTL
	if cfg.Local {
		ttl = 0
	}
	h := New(Options{
		Store:     store,
		Redirects: redirects,
		Cookies: &referral.Cookies{
			Keys: cfg.CookieKeys, MaxAge: cfg.CookieMaxAge(), Domain: cfg.CookieDomain, Secure: cfg.SecureCookies(),
		},
		Invites: &referral.InviteTokens{Keys: cfg.CookieKeys},
		CodeTTL: ttl,
		Log:     log,
	})
	return lambda.NewHandler(h.Handle), nil
}
