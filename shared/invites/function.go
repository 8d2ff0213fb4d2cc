package invites

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/awsconf"
	"partnerkit/shared/config"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/email"
	"partnerkit/shared/emailaddr"
	"partnerkit/shared/referral"
	"partnerkit/shared/unsubscribe"
)

// FromConfig builds the invites function's Lambda handler: the one place
// both functions/invites and the local stack wire it. Emails go to
// SES_ENDPOINT when it is set (the local stack sets its own SES endpoint).
func FromConfig(ctx context.Context, cfg config.Config, log *slog.Logger) (lambda.Handler, error) {
	if err := cfg.Require(config.CookieSecret, config.HashSecret); err != nil {
		return nil, err
	}
	from, site, err := email.Identity(cfg)
	if err != nil {
		return nil, err
	}
	awsCfg, err := awsconf.Load(ctx, cfg)
	if err != nil {
		return nil, err
	}
	store := dynamo.New(awsconf.DynamoDB(awsCfg, cfg.DynamoDBEndpoint), cfg.TableName)
	h := &Handler{
		Store:        store,
		Sender:       email.NewSES(email.NewClient(awsCfg, cfg.SESEndpoint), cfg.SESConfigurationSet),
		Hasher:       emailaddr.NewHasher(cfg.HashSecret),
		Invites:      &referral.InviteTokens{Keys: cfg.CookieKeys},
		Unsubscribes: &unsubscribe.Tokens{Keys: cfg.CookieKeys},
		BaseURL:      cfg.PublicBaseURL,
		Site:         site,
		From:         from,
		PerDay:       cfg.InvitesPerDay,
		Now:          time.Now,
		Log:          log,
	}
	return lambda.NewHandler(h.Handle), nil
}
