package partners

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/awsconf"
	"partnerkit/shared/config"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/program"
	"partnerkit/shared/referral"
)

// FromConfig builds the partners function's Lambda handler: the one place
// both functions/partners and the local stack wire it.
func FromConfig(ctx context.Context, cfg config.Config, log *slog.Logger) (lambda.Handler, error) {
	redirects, err := referral.NewRedirects(cfg.LandingURL, cfg.AllowedRedirectHosts)
	if err != nil {
		return nil, err
	}
	awsCfg, err := awsconf.Load(ctx, cfg)
	if err != nil {
		return nil, err
	}
	store := dynamo.New(awsconf.DynamoDB(awsCfg, cfg.DynamoDBEndpoint), cfg.TableName)
	h := &Handler{
		Store:   store,
		Money:   store,
		Program: store,
		// Until an admin saves settings, the configuration is version 1.
		Defaults:  program.FromEnvironment(cfg.CommissionBPS, cfg.CommissionMonths, cfg.MinPayout),
		BaseURL:   cfg.PublicBaseURL,
		Redirects: redirects,
		Now:       time.Now,
		Log:       log,
	}
	return lambda.NewHandler(h.Handle), nil
}
