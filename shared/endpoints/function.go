package endpoints

import (
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/awsconf"
	"partnerkit/shared/config"
	"partnerkit/shared/delivery"
	"partnerkit/shared/dynamo"
)

// FromConfig builds the endpoints function's Lambda handler: the one place
// both functions/endpoints and the local stack wire it.
func FromConfig(ctx context.Context, cfg config.Config, log *slog.Logger) (lambda.Handler, error) {
	awsCfg, err := awsconf.Load(ctx, cfg)
	if err != nil {
		return nil, err
	}
	store := dynamo.New(awsconf.DynamoDB(awsCfg, cfg.DynamoDBEndpoint), cfg.TableName)
	h := &Handler{Store: store, Sender: delivery.NewHTTPSender(cfg.Local), Resolver: net.DefaultResolver,
		Local: cfg.Local, Now: time.Now, Log: log}
	return lambda.NewHandler(h.Handle), nil
}
