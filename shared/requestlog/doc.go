// Package requestlog gives every HTTP API function one JSON log line per
// request and answers each request with its id.
//
// Wrap goes around a function's whole Lambda handler, where lambdamain
// starts it and where the local stack builds it, so no handler logs its own
// requests and none can forget to. A line carries the method, the route
// template (never the raw path, which holds unsubscribe tokens), the
// status, the latency, the request id, the partner id when the path names
// one and the contract's error code; never a body, a header, an email, an
// IP address, a token or a secret.
//
// The request id is API Gateway's own (requestContext.requestId), the one
// its access log records, so a caller quoting the X-Request-Id header of
// an answer leads an operator to both lines.
package requestlog
