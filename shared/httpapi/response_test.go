package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/aws/smithy-go"

	"partnerkit/shared/backoff"
)

func TestErrorResponse(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		err  error
		code int
		body string
	}{
		{Errorf(CodeConflict, "Taken."), 409, `{"error":{"code":"conflict","message":"Taken."}}`},
		{fmt.Errorf("wrapped: %w", Errorf(CodeNotFound, "No.")), 404, `{"error":{"code":"not_found","message":"No."}}`},
		{errors.New("dynamo: secret table name leaked"), 500, `{"error":{"code":"internal","message":"The server failed to handle the request."}}`},
		{fmt.Errorf("dynamo: %w", &smithy.GenericAPIError{Code: "ProvisionedThroughputExceededException", Message: "slow down"}), 429,
			`{"error":{"code":"rate_limited","message":"Too many requests right now; retry shortly."}}`},
		{fmt.Errorf("billing: %w", backoff.ErrContended), 429,
			`{"error":{"code":"rate_limited","message":"Too many requests right now; retry shortly."}}`},
		{fmt.Errorf("dynamo: get: %w", context.DeadlineExceeded), 503,
			`{"error":{"code":"unavailable","message":"The service is briefly unavailable; retry shortly."}}`},
	}
	for _, tt := range tests {
		r := ErrorResponse(context.Background(), log, tt.err)
		if r.StatusCode != tt.code || r.Body != tt.body || r.Headers["Content-Type"] != "application/json" {
			t.Errorf("ErrorResponse(%v) = %d %s, want %d %s", tt.err, r.StatusCode, r.Body, tt.code, tt.body)
		}
		if retry := r.Headers["Retry-After"]; (tt.code == 429 || tt.code == 503) != (retry != "") {
			t.Errorf("ErrorResponse(%v): Retry-After = %q", tt.err, retry)
		}
	}
}
