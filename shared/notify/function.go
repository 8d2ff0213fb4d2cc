package notify

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
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
	from := strings.TrimSpace(cfg.FromEmail)
	if _, err := emailaddr.Normalize(from); err != nil {
		return nil, fmt.Errorf("config: FROM_EMAIL must be a bare address like partners@example.com")
	}
	landing, err := url.Parse(cfg.LandingURL)
	if err != nil {
		return nil, fmt.Errorf("config: LANDING_URL: %w", err)
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
		Site:         landing.Host,
		From:         from,
		Now:          time.Now,
		Log:          log,
	}, nil
}
