// Package sestest gives tests the local SES v2 emulator aws-ses-v2-local
// (SES_TEST_ENDPOINT, started by make test): an SES v2 client pointed at it
// and the emails it captured, read back through its /store API.
package sestest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
)

// EndpointEnv names the variable holding aws-ses-v2-local's endpoint.
const EndpointEnv = "SES_TEST_ENDPOINT"

// Endpoint returns aws-ses-v2-local's endpoint. Without SES_TEST_ENDPOINT
// the test is skipped, or fails when CI=true, so CI never passes without
// having sent through the emulator.
func Endpoint(t testing.TB) string {
	t.Helper()
	endpoint := os.Getenv(EndpointEnv)
	if endpoint == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must send through aws-ses-v2-local (make test starts it)", EndpointEnv)
		}
		t.Skipf("%s is not set; run make test to start aws-ses-v2-local", EndpointEnv)
	}
	return endpoint
}

// Client returns an SES v2 client for endpoint with dummy credentials.
func Client(endpoint string) *sesv2.Client {
	return sesv2.New(sesv2.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

// Captured is one email as aws-ses-v2-local keeps it.
type Captured struct {
	MessageID   string   `json:"messageId"`
	From        string   `json:"from"`
	ReplyTo     []string `json:"replyTo"`
	Destination struct {
		To  []string `json:"to"`
		Cc  []string `json:"cc"`
		Bcc []string `json:"bcc"`
	} `json:"destination"`
	Subject string `json:"subject"`
	Body    struct {
		Text string `json:"text"`
		HTML string `json:"html"`
	} `json:"body"`
	Headers []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"headers"`
}

// Header returns the value of the first header called name, or "".
func (c Captured) Header(name string) string {
	for _, h := range c.Headers {
		if h.Name == name {
			return h.Value
		}
	}
	return ""
}

// SentTo returns every captured email addressed to to, oldest first. The
// emulator keeps every test's mail, so tests use recipients of their own.
func SentTo(t testing.TB, endpoint, to string) []Captured {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/store", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("reading aws-ses-v2-local's store: %v", err)
	}
	defer resp.Body.Close()
	var store struct {
		Emails []Captured `json:"emails"`
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s/store: status %d", endpoint, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&store); err != nil {
		t.Fatalf("GET %s/store: %v", endpoint, err)
	}
	var got []Captured
	for _, e := range store.Emails {
		if slices.Contains(e.Destination.To, to) {
			got = append(got, e)
		}
	}
	return got
}

// Recipient returns an address no other test run uses, at example.com.
func Recipient(name string) string {
	return fmt.Sprintf("%s-%d@example.com", name, time.Now().UnixNano())
}
