package awsconf

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"partnerkit/shared/config"
)

// Limits on every AWS call. DynamoDB and SES answer in milliseconds, so a
// call that takes seconds is a stalled service: failing it well inside
// the function's own timeout lets the API answer 503 with Retry-After
// instead of API Gateway's error page.
const (
	// DialTimeout bounds opening a connection.
	DialTimeout = time.Second
	// ResponseTimeout bounds the wait for one attempt's response headers.
	ResponseTimeout = 2 * time.Second
	// CallTimeout bounds one operation, its retries included.
	CallTimeout = 3 * time.Second
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
	Bound(&cfg, CallTimeout)
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

// Bound gives every client built from cfg an HTTP client with connect,
// handshake and response-header timeouts, and a deadline of call on each
// operation (retries included) unless the caller's context ends sooner.
func Bound(cfg *aws.Config, call time.Duration) {
	cfg.HTTPClient = awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = DialTimeout }).
		WithTransportOptions(func(t *http.Transport) {
			t.TLSHandshakeTimeout = DialTimeout
			t.ResponseHeaderTimeout = min(ResponseTimeout, call)
		})
	cfg.APIOptions = append(cfg.APIOptions, func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("partnerkitCallTimeout",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				ctx, cancel := context.WithTimeout(ctx, call)
				defer cancel()
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	})
}
