// Command unsubscribe is the UnsubscribeFunction Lambda: GET and POST
// /u/{token}, the one-click unsubscribe link of invite emails.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"partnerkit/shared/config"
	"partnerkit/shared/unsubscribe"
)

func main() {
	// JSON logs carrying the request id (the template sets LogFormat JSON).
	log := lambdacontext.NewLogger()
	cfg, err := config.Load(os.Getenv, false)
	if err != nil {
		log.Error("bad configuration", "error", err.Error())
		os.Exit(1)
	}
	h, err := unsubscribe.FromConfig(context.Background(), cfg, log)
	if err != nil {
		log.Error("start-up failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h)
}
