package notify

import (
	"context"
	"log/slog"
	"time"

	"partnerkit/shared/awsconf"
	"partnerkit/shared/config"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/email"
	"partnerkit/shared/emailaddr"
	"partnerkit/shared/unsubscribe"
)

// FromConfig builds the notifier: the one place the events function and
// the local stack's events worker wire it. Emails go to SES_ENDPOINT when
// it is set (the local stack sets its own SES endpoint).
func FromConfig(ctx context.Context, cfg config.Config, log *slog.Logger) (*Notifier, error) {
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
	return &Notifier{
		Store:        dynamo.New(awsconf.DynamoDB(awsCfg, cfg.DynamoDBEndpoint), cfg.TableName),
		Sender:       email.NewSES(email.NewClient(awsCfg, cfg.SESEndpoint), cfg.SESConfigurationSet),
		Hasher:       emailaddr.NewHasher(cfg.HashSecret),
		Unsubscribes: &unsubscribe.Tokens{Keys: cfg.CookieKeys},
		BaseURL:      cfg.PublicBaseURL,
		Site:         site,
		From:         from,
		Now:          time.Now,
		Log:          log,
	}, nil
}
