package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/events"
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

func TestDecodeBodyMessages(t *testing.T) {
	type inner struct {
		A int `json:"a"`
	}
	type body struct {
		Emails []string `json:"emails"`
		N      int32    `json:"n"`
		In     inner    `json:"in"`
	}
	const prefix = "The request body is not valid JSON for this route: "
	tests := []struct {
		body, want string
	}{
		{`[]`, "The request body must be a JSON object."},
		{`"x"`, "The request body must be a JSON object."},
		{` 5`, "The request body must be a JSON object."},
		{`null`, "The request body must be a JSON object."},
		{`true`, "The request body must be a JSON object."},
		{`{"emails":[5]}`, prefix + "field emails has the wrong type (a number)."},
		{`{"emails":"a"}`, prefix + "field emails has the wrong type (a string)."},
		{`{"n":2000.0}`, prefix + "field n must be a whole number within range."},
		{`{"n":1e30}`, prefix + "field n must be a whole number within range."},
		{`{"n":"5"}`, prefix + "field n has the wrong type (a string)."},
		{`{"in":{"a":"x"}}`, prefix + "field in.a has the wrong type (a string)."},
		{`{"in":[1]}`, prefix + "field in has the wrong type (an array)."},
		{`{"emails":`, prefix + "malformed JSON."},
		{`{"nope":1}`, prefix + `unknown field "nope".`},
	}
	for _, tt := range tests {
		req := &events.APIGatewayV2HTTPRequest{Body: tt.body}
		var v body
		err := DecodeBody(req, &v)
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeInvalidRequest || e.Message != tt.want {
			t.Errorf("DecodeBody(%s): got %v, want %s %q", tt.body, err, CodeInvalidRequest, tt.want)
		}
	}
	for _, ok := range []string{``, `{}`, " {\"emails\":[\"a\"]}\n"} {
		var v body
		if err := DecodeBody(&events.APIGatewayV2HTTPRequest{Body: ok}, &v); err != nil {
			t.Errorf("DecodeBody(%q): got %v, want nil", ok, err)
		}
	}
}
