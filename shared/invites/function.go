package invites

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
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
	// Sent as configured: the template's IAM policy allows exactly FROM_EMAIL.
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
	store := dynamo.New(awsconf.DynamoDB(awsCfg, cfg.DynamoDBEndpoint), cfg.TableName)
	h := &Handler{
		Store:        store,
		Sender:       email.NewSES(email.NewClient(awsCfg, cfg.SESEndpoint), cfg.SESConfigurationSet),
		Hasher:       emailaddr.NewHasher(cfg.HashSecret),
		Invites:      &referral.InviteTokens{Keys: cfg.CookieKeys},
		Unsubscribes: &unsubscribe.Tokens{Keys: cfg.CookieKeys},
		BaseURL:      cfg.PublicBaseURL,
		Site:         landing.Host,
		From:         from,
		PerDay:       cfg.InvitesPerDay,
		Now:          time.Now,
		Log:          log,
	}
	return lambda.NewHandler(h.Handle), nil
}
