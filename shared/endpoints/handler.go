package endpoints

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"partnerkit/shared/delivery"
	"partnerkit/shared/dynamo"
	pkevents "partnerkit/shared/events"
	"partnerkit/shared/hooks"
	"partnerkit/shared/httpapi"
)

// Store is what the handler needs of the store.
type Store interface {
	PutEndpoint(ctx context.Context, e hooks.Endpoint, create bool, prev time.Time) error
	Endpoint(ctx context.Context, id string) (hooks.Endpoint, error)
	Endpoints(ctx context.Context) ([]hooks.Endpoint, error)
	EndpointsPage(ctx context.Context, pg dynamo.Page) ([]hooks.Endpoint, string, error)
	DeleteEndpoint(ctx context.Context, id string) error
	Delivery(ctx context.Context, ep, eventID string) (hooks.Delivery, error)
	Deliveries(ctx context.Context, ep string, pg dynamo.Page) ([]hooks.Delivery, string, error)
	Redeliver(ctx context.Context, d hooks.Delivery, by string, now time.Time) (hooks.Delivery, error)
	LogDelivery(ctx context.Context, d hooks.Delivery) error
}

var _ Store = (*dynamo.Store)(nil)

// Handler serves the routes.
type Handler struct {
	Store    Store
	Sender   delivery.Sender
	Resolver hooks.Resolver
	// Local allows plain http to loopback hosts (the local stack).
	Local bool
	Now   func() time.Time
	Log   *slog.Logger
}

// Handle answers one HTTP API request; errors become the contract's JSON.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	resp, err := h.route(ctx, &req)
	if err != nil {
		return httpapi.ErrorResponse(ctx, h.Log, err), nil
	}
	return resp, nil
}

type response = events.APIGatewayV2HTTPResponse

func (h *Handler) route(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (response, error) {
	if _, err := httpapi.Body(req); err != nil {
		return response{}, err
	}
	caller, err := httpapi.CallerOf(req)
	if err != nil {
		return response{}, err
	}
	if !caller.Admin {
		return response{}, httpapi.Errorf(httpapi.CodeForbidden, "Only an admin may manage webhook endpoints.")
	}
	id := req.PathParameters["id"]
	switch req.RouteKey {
	case "POST /webhook-endpoints":
		return h.create(ctx, req)
	case "GET /webhook-endpoints":
		return h.list(ctx, req)
	case "GET /webhook-endpoints/{id}":
		ep, err := h.endpoint(ctx, id)
		if err != nil {
			return response{}, err
		}
		return httpapi.JSON(http.StatusOK, view(ep, "")), nil
	case "PATCH /webhook-endpoints/{id}":
		return h.patch(ctx, req, id)
	case "DELETE /webhook-endpoints/{id}":
		if err := h.Store.DeleteEndpoint(ctx, id); errors.Is(err, dynamo.ErrNotFound) {
			return response{}, notFound()
		} else if err != nil {
			return response{}, err
		}
		return response{StatusCode: http.StatusNoContent, Headers: map[string]string{"Cache-Control": "no-store"}}, nil
	case "POST /webhook-endpoints/{id}/rotate":
		return h.rotate(ctx, req, id)
	case "POST /webhook-endpoints/{id}/test":
		return h.test(ctx, req, id)
	case "GET /webhook-endpoints/{id}/deliveries":
		return h.deliveries(ctx, req, id)
	case "POST /webhook-endpoints/{id}/deliveries/{event_id}/redeliver":
		return h.redeliver(ctx, id, req.PathParameters["event_id"], caller)
	}
	return response{}, httpapi.Errorf(httpapi.CodeNotFound, "No such route.")
}

func notFound() error { return httpapi.Errorf(httpapi.CodeNotFound, "No such webhook endpoint.") }

func (h *Handler) endpoint(ctx context.Context, id string) (hooks.Endpoint, error) {
	if id == "" || len(id) > 64 {
		return hooks.Endpoint{}, notFound()
	}
	ep, err := h.Store.Endpoint(ctx, id)
	if errors.Is(err, dynamo.ErrNotFound) {
		return hooks.Endpoint{}, notFound()
	}
	return ep, err
}

// endpointView is an endpoint as answered; Secret only when just made.
type endpointView struct {
	ID             string   `json:"endpoint_id"`
	URL            string   `json:"url"`
	Description    string   `json:"description"`
	Events         []string `json:"events"`
	Status         string   `json:"status"`
	DisabledReason string   `json:"disabled_reason,omitempty"`
	FailingSince   string   `json:"failing_since,omitempty"`
	CreatedAt      string   `json:"created_at"`
	UpdatedAt      string   `json:"updated_at"`
	Secret         string   `json:"secret,omitempty"`
	PreviousUntil  string   `json:"previous_secret_valid_until,omitempty"`
}

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(dynamo.TimeFormat)
}

func view(e hooks.Endpoint, secret string) endpointView {
	v := endpointView{ID: e.ID, URL: e.URL, Description: e.Description, Events: e.Events, Status: e.Status,
		FailingSince: ts(e.FailingSince), CreatedAt: ts(e.CreatedAt), UpdatedAt: ts(e.UpdatedAt), Secret: secret}
	if e.Status == hooks.StatusDisabled {
		v.DisabledReason = e.DisabledReason
	}
	if secret != "" && !e.PreviousUntil.IsZero() {
		v.PreviousUntil = ts(e.PreviousUntil)
	}
	return v
}

type endpointRequest struct {
	URL         *string   `json:"url"`
	Events      *[]string `json:"events"`
	Description *string   `json:"description"`
	Status      *string   `json:"status"`
}

// MaxDescription bounds an endpoint's description.
const MaxDescription = 200

func (h *Handler) check(ctx context.Context, in endpointRequest, ep *hooks.Endpoint) error {
	if in.URL != nil {
		u, err := hooks.CheckURL(ctx, *in.URL, h.Local, h.Resolver)
		if err != nil {
			return httpapi.Errorf(httpapi.CodeInvalidRequest, "%s", message(err))
		}
		ep.URL = u
	}
	if in.Events != nil {
		evs, err := hooks.CheckEvents(*in.Events)
		if err != nil {
			return httpapi.Errorf(httpapi.CodeInvalidRequest, "%s", message(err))
		}
		ep.Events = evs
	}
	if in.Description != nil {
		if len([]rune(*in.Description)) > MaxDescription {
			return httpapi.Errorf(httpapi.CodeInvalidRequest, "description is longer than %d characters.", MaxDescription)
		}
		ep.Description = *in.Description
	}
	return nil
}

// message is the admin-facing part of a hooks error.
func message(err error) string {
	for _, prefix := range []error{hooks.ErrBadURL, hooks.ErrBadEvents} {
		if errors.Is(err, prefix) {
			msg := err.Error()[len(prefix.Error())+2:]
			return msg + "."
		}
	}
	return "The request is not valid."
}

func (h *Handler) create(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (response, error) {
	var in endpointRequest
	if err := httpapi.DecodeBody(req, &in); err != nil {
		return response{}, err
	}
	if in.URL == nil {
		return response{}, httpapi.Errorf(httpapi.CodeInvalidRequest, "url is required.")
	}
	if in.Events == nil {
		return response{}, httpapi.Errorf(httpapi.CodeInvalidRequest, "events is required: a list of event types.")
	}
	if in.Status != nil {
		return response{}, httpapi.Errorf(httpapi.CodeInvalidRequest, "A new endpoint is enabled; set status with PATCH.")
	}
	now := h.Now().UTC()
	ep := hooks.Endpoint{ID: hooks.NewID(), Status: hooks.StatusEnabled, Secret: hooks.NewSecret(), CreatedAt: now, UpdatedAt: now}
	if err := h.check(ctx, in, &ep); err != nil {
		return response{}, err
	}
	existing, err := h.Store.Endpoints(ctx)
	if err != nil {
		return response{}, err
	}
	if len(existing) >= hooks.MaxEndpoints {
		return response{}, httpapi.Errorf(httpapi.CodeConflict, "There are already %d endpoints, the most a program may have.", hooks.MaxEndpoints)
	}
	if err := h.Store.PutEndpoint(ctx, ep, true, time.Time{}); err != nil {
		return response{}, err
	}
	return httpapi.JSON(http.StatusCreated, view(ep, ep.Secret)), nil
}

func (h *Handler) list(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (response, error) {
	pg, err := page(req)
	if err != nil {
		return response{}, err
	}
	eps, next, err := h.Store.EndpointsPage(ctx, pg)
	if errors.Is(err, dynamo.ErrBadCursor) {
		return response{}, httpapi.Errorf(httpapi.CodeInvalidRequest, "cursor is not one this list handed out.")
	}
	if err != nil {
		return response{}, err
	}
	out := make([]endpointView, 0, len(eps))
	for _, e := range eps {
		out = append(out, view(e, ""))
	}
	body := map[string]any{"endpoints": out}
	if next != "" {
		body["next_cursor"] = next
	}
	return httpapi.JSON(http.StatusOK, body), nil
}

// page reads limit (1–1000, default 100) and cursor.
func page(req *events.APIGatewayV2HTTPRequest) (dynamo.Page, error) {
	limit := 100
	if s, ok := req.QueryStringParameters["limit"]; ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return dynamo.Page{}, httpapi.Errorf(httpapi.CodeInvalidRequest, "limit must be an integer from 1 to 1000.")
		}
		limit = n
	}
	return dynamo.Page{Limit: limit, Cursor: req.QueryStringParameters["cursor"]}, nil
}

func (h *Handler) patch(ctx context.Context, req *events.APIGatewayV2HTTPRequest, id string) (response, error) {
	var in endpointRequest
	if err := httpapi.DecodeBody(req, &in); err != nil {
		return response{}, err
	}
	if in.Status != nil && *in.Status != hooks.StatusEnabled && *in.Status != hooks.StatusDisabled {
		return response{}, httpapi.Errorf(httpapi.CodeInvalidRequest, `status must be "enabled" or "disabled".`)
	}
	ep, err := h.endpoint(ctx, id)
	if err != nil {
		return response{}, err
	}
	prev := ep.UpdatedAt
	if err := h.check(ctx, in, &ep); err != nil {
		return response{}, err
	}
	if in.Status != nil && *in.Status != ep.Status {
		ep.Status = *in.Status
		if ep.Status == hooks.StatusDisabled {
			ep.DisabledReason = hooks.DisabledByAdmin
		} else {
			// Re-enabled: a new chance, with a fresh failing streak.
			ep.DisabledReason, ep.FailingSince = "", time.Time{}
		}
	}
	ep.UpdatedAt = later(h.Now(), prev)
	return h.save(ctx, ep, prev, "")
}

// later is now, or just after prev when the clock has not moved past it,
// so every change has its own UpdatedAt (the version PutEndpoint checks).
func later(now, prev time.Time) time.Time {
	now = now.UTC().Truncate(time.Millisecond)
	if !now.After(prev) {
		return prev.Add(time.Millisecond)
	}
	return now
}

func (h *Handler) save(ctx context.Context, ep hooks.Endpoint, prev time.Time, secret string) (response, error) {
	err := h.Store.PutEndpoint(ctx, ep, false, prev)
	switch {
	case errors.Is(err, dynamo.ErrEndpointChanged):
		return response{}, httpapi.Errorf(httpapi.CodeConflict, "The endpoint changed meanwhile; read it and try again.")
	case err != nil:
		return response{}, err
	}
	return httpapi.JSON(http.StatusOK, view(ep, secret)), nil
}

func (h *Handler) rotate(ctx context.Context, req *events.APIGatewayV2HTTPRequest, id string) (response, error) {
	var in struct{}
	if err := httpapi.DecodeBody(req, &in); err != nil {
		return response{}, err
	}
	ep, err := h.endpoint(ctx, id)
	if err != nil {
		return response{}, err
	}
	prev := ep.UpdatedAt
	now := later(h.Now(), prev)
	// The old secret keeps signing beside the new one for a day.
	ep.PreviousSecret, ep.PreviousUntil = ep.Secret, now.Add(hooks.RotationGrace)
	ep.Secret, ep.UpdatedAt = hooks.NewSecret(), now
	return h.save(ctx, ep, prev, ep.Secret)
}

// test sends a test event to the endpoint now, once, and answers how it
// went; it is in the delivery log too.
func (h *Handler) test(ctx context.Context, req *events.APIGatewayV2HTTPRequest, id string) (response, error) {
	var in struct{}
	if err := httpapi.DecodeBody(req, &in); err != nil {
		return response{}, err
	}
	ep, err := h.endpoint(ctx, id)
	if err != nil {
		return response{}, err
	}
	now := h.Now().UTC()
	e := pkevents.Test(hooks.NewTestEventID(), ep.ID, now)
	d, err := delivery.SendNow(ctx, h.Sender, ep, e, now)
	if err != nil {
		return response{}, err
	}
	if err := h.Store.LogDelivery(ctx, d); err != nil {
		return response{}, err
	}
	return httpapi.JSON(http.StatusOK, deliveryOf(d)), nil
}

// deliveryView is a delivery log entry as answered: never a secret.
type deliveryView struct {
	EventID       string `json:"event_id"`
	EventType     string `json:"event_type"`
	PartnerID     string `json:"partner_id,omitempty"`
	Status        string `json:"status"`
	Attempts      int    `json:"attempts"`
	LastCode      *int   `json:"last_response_code"`
	LastLatencyMs *int64 `json:"last_latency_ms"`
	LastError     string `json:"last_error,omitempty"`
	CreatedAt     string `json:"created_at"`
	LastAttemptAt string `json:"last_attempt_at,omitempty"`
	NextAttemptAt string `json:"next_attempt_at,omitempty"`
	DeliveredAt   string `json:"delivered_at,omitempty"`
}

func deliveryOf(d hooks.Delivery) deliveryView {
	v := deliveryView{EventID: d.EventID, EventType: d.EventType, PartnerID: d.PartnerID, Status: d.Status, Attempts: d.Attempts,
		LastError: d.LastError, CreatedAt: ts(d.CreatedAt), LastAttemptAt: ts(d.LastAttempt), NextAttemptAt: ts(d.NextAttempt),
		DeliveredAt: ts(d.DeliveredAt)}
	if d.Attempts > 0 {
		code, ms := d.LastCode, d.LastLatency.Milliseconds()
		v.LastCode, v.LastLatencyMs = &code, &ms
	}
	return v
}

func (h *Handler) deliveries(ctx context.Context, req *events.APIGatewayV2HTTPRequest, id string) (response, error) {
	pg, err := page(req)
	if err != nil {
		return response{}, err
	}
	if _, err := h.endpoint(ctx, id); err != nil {
		return response{}, err
	}
	ds, next, err := h.Store.Deliveries(ctx, id, pg)
	if errors.Is(err, dynamo.ErrBadCursor) {
		return response{}, httpapi.Errorf(httpapi.CodeInvalidRequest, "cursor is not one this list handed out.")
	}
	if err != nil {
		return response{}, err
	}
	out := make([]deliveryView, 0, len(ds))
	for _, d := range ds {
		out = append(out, deliveryOf(d))
	}
	body := map[string]any{"deliveries": out}
	if next != "" {
		body["next_cursor"] = next
	}
	return httpapi.JSON(http.StatusOK, body), nil
}

func (h *Handler) redeliver(ctx context.Context, id, eventID string, caller httpapi.Caller) (response, error) {
	if _, err := h.endpoint(ctx, id); err != nil {
		return response{}, err
	}
	d, err := h.Store.Delivery(ctx, id, eventID)
	if errors.Is(err, dynamo.ErrNotFound) || (err == nil && d.EventType == pkevents.TestType) {
		return response{}, httpapi.Errorf(httpapi.CodeNotFound, "No such delivery of this endpoint.")
	}
	if err != nil {
		return response{}, err
	}
	d, err = h.Store.Redeliver(ctx, d, caller.Subject, h.Now().UTC())
	if errors.Is(err, dynamo.ErrDeliveryPending) {
		return response{}, httpapi.Errorf(httpapi.CodeConflict, "The delivery is still pending; it is being retried.")
	}
	if err != nil {
		return response{}, err
	}
	return httpapi.JSON(http.StatusAccepted, deliveryOf(d)), nil
}
