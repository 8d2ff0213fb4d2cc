package awsconf

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"partnerkit/shared/config"
)

// Load returns the default AWS configuration (environment, then the
// Lambda role). Locally, and whenever an endpoint points at a local
// server, a region and dummy credentials are filled in when missing:
// local servers accept any signature.
func Load(ctx context.Context, c config.Config) (aws.Config, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("awsconf: loading AWS config: %w", err)
	}
	if c.Local {
		if cfg.Region == "" {
			cfg.Region = "us-east-1"
		}
		// Asking the default chain would wait on the EC2 metadata endpoint.
		if os.Getenv("AWS_ACCESS_KEY_ID") == "" && os.Getenv("AWS_PROFILE") == "" {
			cfg.Credentials = credentials.NewStaticCredentialsProvider("local", "local", "")
		}
	}
	return cfg, nil
}

// DynamoDB returns a DynamoDB client, pointed at endpoint when it is set.
func DynamoDB(cfg aws.Config, endpoint string) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			// The embedded server sends no CRC32 of its answers.
			o.DisableValidateResponseChecksum = true
		}
	})
}
