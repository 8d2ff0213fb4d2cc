// Package lambdamain starts a partnerkit function in AWS Lambda: every
// functions/<name>/main.go is one call to Start with its package's
// FromConfig, so configuration, logging and start-up failures are handled
// the same way everywhere.
package lambdamain

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"partnerkit/shared/config"
	"partnerkit/shared/metrics"
	"partnerkit/shared/requestlog"
)

// Builder builds a function's handler from the configuration. Each
// function package's FromConfig is one; the local stack calls the same.
type Builder func(ctx context.Context, cfg config.Config, log *slog.Logger) (lambda.Handler, error)

// Start reads the configuration from the environment, builds the handler
// once, before the first event, and serves events until the runtime stops
// the process. A bad configuration exits at once with a logged reason, so
// a deployment fails on its first invocation rather than misbehaving.
func Start(build Builder) {
	// JSON logs carrying the request id (the template sets LogFormat JSON).
	log := lambdacontext.NewLogger()
	// Metric lines go to standard output, where CloudWatch Logs reads them.
	metrics.SetOutput(os.Stdout)
	cfg, err := config.Load(os.Getenv, false)
	if err != nil {
		log.Error("bad configuration", "error", err.Error())
		os.Exit(1)
	}
	h, err := build(context.Background(), cfg, log)
	if err != nil {
		log.Error("start-up failed", "error", err.Error())
		os.Exit(1)
	}
	// Every function is wrapped alike: HTTP API requests get their one
	// log line and X-Request-Id; other events pass through.
	lambda.Start(requestlog.Wrap(h, log))
}
