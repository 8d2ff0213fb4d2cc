package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"partnerkit/shared/awsconf"
	"partnerkit/shared/config"
)

// Open returns the store the configuration names (TABLE_NAME, and
// DYNAMODB_ENDPOINT when set), and the AWS configuration it loaded, for
// functions that build other clients from it.
func Open(ctx context.Context, cfg config.Config) (*Store, aws.Config, error) {
	awsCfg, err := awsconf.Load(ctx, cfg)
	if err != nil {
		return nil, aws.Config{}, err
	}
	return New(awsconf.DynamoDB(awsCfg, cfg.DynamoDBEndpoint), cfg.TableName), awsCfg, nil
}
