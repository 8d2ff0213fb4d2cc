package stripehook

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/awsconf"
	"partnerkit/shared/billing"
	"partnerkit/shared/config"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/emailaddr"
	"partnerkit/shared/program"
	"partnerkit/shared/signup"
)

// FromConfig builds the Stripe function's Lambda handler: the one place
// both functions/stripe and the local stack wire it. Without
// STRIPE_API_KEY it still records signups and payments; refunds and
// disputes, which need the API to find their invoice, are skipped (logged,
// answered 200), and a backfill is refused.
func FromConfig(ctx context.Context, cfg config.Config, log *slog.Logger) (lambda.Handler, error) {
	if err := cfg.Require(config.HashSecret, config.StripeWebhookSecret); err != nil {
		return nil, err
	}
	awsCfg, err := awsconf.Load(ctx, cfg)
	if err != nil {
		return nil, err
	}
	store := dynamo.New(awsconf.DynamoDB(awsCfg, cfg.DynamoDBEndpoint), cfg.TableName)
	h := &Handler{
		Store:   store,
		Secrets: cfg.StripeWebhookSecrets,
		Signups: &signup.Recorder{Store: store, Hasher: emailaddr.NewHasher(cfg.HashSecret), Window: cfg.CookieMaxAge()},
		Billing: &billing.Recorder{Store: store, Settings: &program.Cache{Load: store,
			Defaults: program.FromEnvironment(cfg.CommissionBPS, cfg.CommissionMonths, cfg.MinPayout)}, Now: time.Now, Log: log},
		Now: time.Now,
		Log: log,
	}
	if live, ok := cfg.StripeLive(); ok {
		h.API, h.Live = NewClient(cfg.StripeAPIKey, ""), &live
	}
	return lambda.NewHandler(h.invoke), nil
}

// invocation is either an HTTP API request or a backfill event.
type invocation struct {
	events.APIGatewayV2HTTPRequest
	Backfill *Backfill `json:"backfill"`
}

// invoke serves both of the function's events: Stripe's deliveries
// through the HTTP API, and {"backfill":{...}} invoked directly.
func (h *Handler) invoke(ctx context.Context, in invocation) (any, error) {
	if in.Backfill != nil && in.RequestContext.HTTP.Method == "" {
		return h.Backfill(ctx, *in.Backfill)
	}
	return h.Handle(ctx, in.APIGatewayV2HTTPRequest)
}
