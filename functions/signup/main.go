// Command signup is the SignupFunction Lambda: POST /webhooks/signup.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"partnerkit/shared/config"
	"partnerkit/shared/signup"
)

func main() {
	// JSON logs carrying the request id (the template sets LogFormat JSON).
	log := lambdacontext.NewLogger()
	cfg, err := config.Load(os.Getenv, false)
	if err != nil {
		log.Error("bad configuration", "error", err.Error())
		os.Exit(1)
	}
	h, err := signup.FromConfig(context.Background(), cfg, log)
	if err != nil {
		log.Error("start-up failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h)
}
