package redirect

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/awsconf"
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
	awsCfg, err := awsconf.Load(ctx, cfg)
	if err != nil {
		return nil, err
	}
	store := dynamo.New(awsconf.DynamoDB(awsCfg, cfg.DynamoDBEndpoint), cfg.TableName)
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
