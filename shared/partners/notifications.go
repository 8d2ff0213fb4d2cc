package partners

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/httpapi"
	"partnerkit/shared/partner"
)

// NotificationStore keeps partners' lifecycle email preferences.
type NotificationStore interface {
	NotificationPrefs(ctx context.Context, partnerID string) (partner.Notifications, error)
	SetNotificationPrefs(ctx context.Context, partnerID string, on map[string]bool) error
}

var _ NotificationStore = (*dynamo.Store)(nil)

// notificationsJSON is a partner's preferences as the API shows them: one
// boolean per kind, every kind present.
func notificationsJSON(n partner.Notifications) map[string]bool {
	out := make(map[string]bool, len(partner.Kinds))
	for _, k := range partner.Kinds {
		out[k] = n.On(k)
	}
	return out
}

// getNotifications answers GET /partners/{id}/notifications: the partner
// itself or an admin.
func (h *Handler) getNotifications(ctx context.Context, req *events.APIGatewayV2HTTPRequest, caller httpapi.Caller) (events.APIGatewayV2HTTPResponse, error) {
	p, err := h.lookup(ctx, req.PathParameters["id"], caller)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	n, err := h.Store.NotificationPrefs(ctx, p.ID)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return httpapi.JSON(http.StatusOK, notificationsJSON(n)), nil
}

// putNotifications answers PUT /partners/{id}/notifications with a body of
// booleans by kind: the kinds given are set, the others keep their value,
// and the answer is every kind as saved.
func (h *Handler) putNotifications(ctx context.Context, req *events.APIGatewayV2HTTPRequest, caller httpapi.Caller) (events.APIGatewayV2HTTPResponse, error) {
	var body map[string]json.RawMessage
	if err := httpapi.DecodeBody(req, &body); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	on, err := parseNotifications(body)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	p, err := h.lookup(ctx, req.PathParameters["id"], caller)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if err := h.Store.SetNotificationPrefs(ctx, p.ID, on); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	n, err := h.Store.NotificationPrefs(ctx, p.ID)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return httpapi.JSON(http.StatusOK, notificationsJSON(n)), nil
}

// parseNotifications checks a PUT body, naming the first bad field (in
// name order, so the answer does not depend on the body's order).
func parseNotifications(body map[string]json.RawMessage) (map[string]bool, error) {
	kinds := strings.Join(partner.Kinds, ", ")
	if len(body) == 0 {
		return nil, httpapi.Errorf(httpapi.CodeInvalidRequest, "Give at least one of %s, each true or false.", kinds)
	}
	names := make([]string, 0, len(body))
	for name := range body {
		names = append(names, name)
	}
	slices.Sort(names)
	on := make(map[string]bool, len(body))
	for _, name := range names {
		if !partner.KnownKind(name) {
			return nil, httpapi.Errorf(httpapi.CodeInvalidRequest, "%q is not a kind of notification; the kinds are %s.", name, kinds)
		}
		switch strings.TrimSpace(string(body[name])) {
		case "true":
			on[name] = true
		case "false":
			on[name] = false
		default:
			return nil, httpapi.Errorf(httpapi.CodeInvalidRequest, "%s must be true or false.", name)
		}
	}
	return on, nil
}
