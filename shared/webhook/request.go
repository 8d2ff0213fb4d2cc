package webhook

import (
	"github.com/aws/aws-lambda-go/events"

	"partnerkit/shared/httpapi"
	"partnerkit/shared/metrics"
)

// Open checks an HTTP API request carrying a webhook in the contract's
// order: size first (413), then the signature on the raw body (401), and
// returns the webhook-id and the body for parsing.
func (v *Verifier) Open(req *events.APIGatewayV2HTTPRequest) (id string, body []byte, err error) {
	body, err = httpapi.Body(req)
	if err != nil {
		metrics.CountBy(metrics.WebhooksRefused, metrics.Reason, httpapi.ErrorCode(err), 1)
		return "", nil, err
	}
	id = req.Headers["webhook-id"]
	if err := v.Verify(id, req.Headers["webhook-timestamp"], req.Headers["webhook-signature"], body); err != nil {
		metrics.CountBy(metrics.WebhooksRefused, metrics.Reason, httpapi.CodeInvalidSignature, 1)
		return "", nil, httpapi.Errorf(httpapi.CodeInvalidSignature, "The webhook signature is missing, invalid or more than 5 minutes old.")
	}
	return id, body, nil
}

// Reused is the error for a webhook-id delivered again with another body:
// 409, as a reused idempotency key is, since answering the first response
// would silently drop the new event.
func Reused(id string) error {
	return httpapi.Errorf(httpapi.CodeConflict, "Webhook-id %q was already delivered with a different body.", id)
}

// Reply is the HTTP response for a webhook's stored or new answer.
func Reply(status int, body string) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status, Body: body,
		Headers: map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"},
	}
}
