package dynamotest

import (
	"io"
	"net"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"partnerkit/shared/awsconf"
)

// Stalled returns a backend whose server accepts connections and reads
// requests but never answers, like a DynamoDB process that was stopped
// rather than killed. Its client carries the production timeouts
// (awsconf.Bound), so tests see what a deployed function would.
func Stalled(t testing.TB) Backend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go io.Copy(io.Discard, c) // read, never write
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	awsconf.Bound(&cfg, awsconf.CallTimeout)
	return Backend{Name: "stalled", Client: awsconf.DynamoDB(cfg, "http://"+ln.Addr().String()), Table: "stalled"}
}
