package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/smithy-go"

	"partnerkit/shared/backoff"
)

// MaxBody is the largest request body any handler accepts (contract
// section 2); larger bodies are refused with 413 before anything else.
const MaxBody = 64 << 10

var jsonHeaders = map[string]string{
	"Content-Type":  "application/json",
	"Cache-Control": "no-store",
}

// JSON returns a response with v encoded as its JSON body.
func JSON(status int, v any) events.APIGatewayV2HTTPResponse {
	body, err := json.Marshal(v)
	if err != nil {
		// Only programming errors end here: every v is a plain struct or map.
		status, body = 500, []byte(`{"error":{"code":"internal","message":"The server failed to encode its answer."}}`)
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: jsonHeaders, Body: string(body)}
}

// throttlingCodes are the AWS error codes that mean "slow down".
var throttlingCodes = map[string]bool{
	"ThrottlingException": true, "ProvisionedThroughputExceededException": true, "RequestLimitExceeded": true,
	"TooManyRequestsException": true, "Throttling": true, "LimitExceededException": true,
}

func throttled(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && throttlingCodes[ae.ErrorCode()]
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ErrorResponse turns err into the contract's error body. Errors that are
// not *Error are logged with log and answered as a generic 500, so no
// internal text reaches the caller; the exceptions are the ones a caller
// can retry: throttling and lost write races (429) and a store that did
// not answer in time (503), both with Retry-After.
func ErrorResponse(ctx context.Context, log *slog.Logger, err error) events.APIGatewayV2HTTPResponse {
	var e *Error
	switch {
	case errors.As(err, &e):
	case throttled(err) || errors.Is(err, backoff.ErrContended):
		// The caller may retry, and webhook senders do so on 429.
		log.WarnContext(ctx, "request contended", "error", err.Error())
		e = &Error{Code: CodeRateLimited, Message: "Too many requests right now; retry shortly."}
	case errors.Is(err, context.DeadlineExceeded):
		log.WarnContext(ctx, "store did not answer in time", "error", err.Error())
		e = &Error{Code: CodeUnavailable, Message: "The service is briefly unavailable; retry shortly."}
	default:
		log.ErrorContext(ctx, "request failed", "error", err.Error())
		e = &Error{Code: CodeInternal, Message: "The server failed to handle the request."}
	}
	resp := JSON(Status(e.Code), errorBody{Error: errorDetail{Code: e.Code, Message: e.Message}})
	if e.Code == CodeRateLimited || e.Code == CodeUnavailable {
		resp.Headers = map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store", "Retry-After": "1"}
	}
	return resp
}

// DecodeBody decodes a JSON request body into v, refusing oversize bodies
// (413), malformed JSON, anything but an object and unknown fields (400).
// An empty body decodes as {}.
func DecodeBody(req *events.APIGatewayV2HTTPRequest, v any) error {
	raw, err := Body(req)
	if err != nil {
		return err
	}
	// Every route takes an object; saying so beats the decoder's
	// complaint about a field without a name.
	switch trimmed := bytes.TrimLeft(raw, " \t\r\n"); {
	case len(trimmed) == 0:
		return nil
	case trimmed[0] != '{':
		return Errorf(CodeInvalidRequest, "The request body must be a JSON object.")
	}
	dec := json.NewDecoder(bytesReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return Errorf(CodeInvalidRequest, "The request body is not valid JSON for this route: %s.", jsonProblem(err))
	}
	if dec.More() {
		return Errorf(CodeInvalidRequest, "The request body holds more than one JSON value.")
	}
	return nil
}
