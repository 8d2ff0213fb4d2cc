package requestlog

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/httpapi"
)

// Header is the response header that carries the request id.
const Header = "X-Request-Id"

// Entry is what one request's line says.
type Entry struct {
	// Method is the HTTP method.
	Method string
	// Route is the route's path template, "/r/{code}", never the path.
	Route string
	// Status is the HTTP status of the answer.
	Status int
	// Latency is how long the function (or the gateway) took to answer.
	Latency time.Duration
	// RequestID is API Gateway's request id.
	RequestID string
	// PartnerID is the partner the path names, if any.
	PartnerID string
	// Error is the contract's error code of a refused or failed request.
	Error string
}

// Log writes e as one line. The local stack calls it for the requests its
// gateway refuses before any function runs, so those log like the rest.
func Log(ctx context.Context, log *slog.Logger, e Entry) {
	level := slog.LevelInfo
	if e.Status >= 500 {
		level = slog.LevelError
	}
	// A fixed array keeps the attributes off the heap.
	var attrs [7]slog.Attr
	attrs[0] = slog.String("method", e.Method)
	attrs[1] = slog.String("route", e.Route)
	attrs[2] = slog.Int("status", e.Status)
	attrs[3] = slog.Float64("latency_ms", float64(e.Latency.Microseconds())/1000)
	attrs[4] = slog.String("request_id", e.RequestID)
	n := 5
	if e.PartnerID != "" {
		attrs[n] = slog.String("partner_id", e.PartnerID)
		n++
	}
	if e.Error != "" {
		attrs[n] = slog.String("error_code", e.Error)
		n++
	}
	log.LogAttrs(ctx, level, "request", attrs[:n]...)
}

// Wrap returns next logging one line per HTTP API request and answering
// each with the request id in the X-Request-Id header. Events that are not
// HTTP API requests, such as the monthly run's schedule, pass through
// untouched, so every function can be wrapped alike.
func Wrap(next lambda.Handler, log *slog.Logger) lambda.Handler {
	return &handler{next: next, log: log}
}

type handler struct {
	next lambda.Handler
	log  *slog.Logger
}

// Invoke implements lambda.Handler.
func (h *handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	rc := path(payload, "requestContext")
	method := text(path(rc, "http", "method"))
	if method == "" {
		return h.next.Invoke(ctx, payload)
	}
	start := time.Now()
	out, err := h.next.Invoke(ctx, payload)
	_, route, _ := strings.Cut(text(path(rc, "routeKey")), " ")
	e := Entry{
		Method: method, Route: route, Latency: time.Since(start),
		RequestID: text(path(rc, "requestId")),
		PartnerID: text(path(payload, "pathParameters", "id")),
	}
	if e.PartnerID == "me" {
		// The caller's own record: which partner that is, only the
		// handler knows.
		e.PartnerID = ""
	}
	if err != nil {
		// API Gateway answers a failed invocation with a 500 of its own.
		e.Status, e.Error = 500, httpapi.CodeInternal
		Log(ctx, h.log, e)
		return out, err
	}
	e.Status, e.Error = outcome(out)
	Log(ctx, h.log, e)
	return withHeader(out, e.RequestID), nil
}

// outcome reads the status of an HTTP API response and, for refusals and
// failures, the error code of the contract's error body.
func outcome(out []byte) (status int, code string) {
	status, err := strconv.Atoi(string(path(out, "statusCode")))
	if err != nil {
		// API Gateway takes a response without a status as a 200.
		return 200, ""
	}
	if status < 400 || string(path(out, "isBase64Encoded")) == "true" {
		return status, ""
	}
	body := text(path(out, "body"))
	return status, text(path([]byte(body), "error", "code"))
}

// withHeader returns the response out with the X-Request-Id header added,
// splicing it into the JSON rather than decoding and encoding it again.
// A response that is not an object, or an id that would need escaping,
// leaves out as it is: the header is a courtesy, the answer is not.
func withHeader(out []byte, id string) []byte {
	if id == "" || !plainID(id) {
		return out
	}
	entry := `"` + Header + `":"` + id + `"`
	raw, start, end, ok := member(out, "headers")
	switch {
	case ok && len(raw) > 0 && raw[0] == '{':
		at := start + 1
		if space(out, at) < end-1 {
			entry += ","
		}
		return splice(out, at, at, entry)
	case ok && string(raw) == "null":
		return splice(out, start, end, "{"+entry+"}")
	case ok:
		return out
	}
	i := space(out, 0)
	if i >= len(out) || out[i] != '{' {
		return out
	}
	entry = `"headers":{` + entry + `}`
	if j := space(out, i+1); j < len(out) && out[j] != '}' {
		entry += ","
	}
	return splice(out, i+1, i+1, entry)
}

// splice returns b with b[from:to] replaced by s, in a new slice.
func splice(b []byte, from, to int, s string) []byte {
	out := make([]byte, 0, len(b)-(to-from)+len(s))
	out = append(out, b[:from]...)
	out = append(out, s...)
	return append(out, b[to:]...)
}

// plainID reports whether id can be written into JSON as it is. API
// Gateway's ids are base64-like; anything else is not echoed.
func plainID(id string) bool {
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return len(id) <= 128
}
