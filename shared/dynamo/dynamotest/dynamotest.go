// Package dynamotest gives tests a fresh partnerkit table, created from
// template.yaml, on DynamoDB Local (DYNAMODB_TEST_ENDPOINT) and on the
// embedded server of the local stack, so store code is tested on both.
package dynamotest

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/localdynamo"
	"partnerkit/shared/samtemplate"
)

// EndpointEnv names the variable holding DynamoDB Local's endpoint.
const EndpointEnv = "DYNAMODB_TEST_ENDPOINT"

// Backend is one DynamoDB-compatible server with a fresh table.
type Backend struct {
	Name   string
	Client *dynamodb.Client
	Table  string
}

var tableSeq atomic.Int64

// Client returns an SDK client for endpoint with dummy credentials.
func Client(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		// The embedded server sends no CRC32 of its answers.
		DisableValidateResponseChecksum: true,
	})
}

// DynamoDBLocal returns a backend on DynamoDB Local. Without
// DYNAMODB_TEST_ENDPOINT the test is skipped, or fails when CI=true, so CI
// never passes without having run it.
func DynamoDBLocal(t testing.TB) Backend {
	t.Helper()
	endpoint := os.Getenv(EndpointEnv)
	if endpoint == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must run store tests on DynamoDB Local (make test starts it)", EndpointEnv)
		}
		t.Skipf("%s is not set; run make test to start DynamoDB Local", EndpointEnv)
	}
	return newBackend(t, "dynamodb-local", Client(endpoint))
}

// Embedded returns a backend on the in-process server used by make run.
func Embedded(t testing.TB) Backend {
	t.Helper()
	srv, err := localdynamo.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return newBackend(t, "embedded", Client(srv.URL))
}

// Each runs f as a subtest on DynamoDB Local and on the embedded server.
func Each(t *testing.T, f func(t *testing.T, b Backend)) {
	t.Run("dynamodb-local", func(t *testing.T) { f(t, DynamoDBLocal(t)) })
	t.Run("embedded", func(t *testing.T) { f(t, Embedded(t)) })
}

func newBackend(t testing.TB, name string, c *dynamodb.Client) Backend {
	t.Helper()
	path, err := samtemplate.Find()
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := samtemplate.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	table := fmt.Sprintf("pk-test-%d-%d", time.Now().UnixNano(), tableSeq.Add(1))
	in, err := tpl.TableInput(table)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := dynamo.EnsureTable(ctx, c, in); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(func() {
		c.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	})
	return Backend{Name: name, Client: c, Table: table}
}
