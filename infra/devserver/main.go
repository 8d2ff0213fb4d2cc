// Command devserver is partnerkit's local stack (make run): every HTTP
// route of template.yaml served by the real handlers in one process, an
// embedded DynamoDB-compatible store, JWT checks like API Gateway's JWT
// authorizer, and local-only helper routes under /_local/.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"partnerkit/shared/config"
)

func main() {
	templatePath := flag.String("template", "template.yaml", "SAM template to serve")
	flag.Parse()
	if err := run(*templatePath); err != nil {
		fmt.Fprintln(os.Stderr, "devserver:", err)
		os.Exit(1)
	}
}

func run(templatePath string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cfg, err := config.Load(os.Getenv, true)
	if err != nil {
		return err
	}
	// JSON with Lambda's key names, so a line reads the same here as in
	// CloudWatch Logs.
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{ReplaceAttr: lambdacontext.ReplaceAttr}))
	stack, err := newStack(ctx, templatePath, cfg, log)
	if err != nil {
		return err
	}
	defer stack.Close()

	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.Port)))
	if err != nil {
		return err
	}
	fmt.Println("partnerkit local stack; configuration (override with environment variables):")
	for _, line := range cfg.Describe() {
		fmt.Println("  " + line)
	}
	fmt.Println("routes from " + templatePath + ":")
	for _, r := range stack.routes {
		fmt.Printf("  %-6s %-28s %s\n", r.Method, r.Path, r.Function)
	}
	fmt.Println("local helpers: POST /_local/token, POST /_local/invoke/{LogicalId}, GET /_local/outbox, GET /_local/landing, /_local/ses (SES v2 SendEmail into the outbox)")
	fmt.Printf("listening on http://%s\n", ln.Addr())

	srv := &http.Server{Handler: stack, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
