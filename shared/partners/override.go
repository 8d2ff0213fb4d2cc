package partners

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"

	"github.com/aws/aws-lambda-go/events"

	"partnerkit/shared/attribution"
	"partnerkit/shared/backoff"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/httpapi"
	"partnerkit/shared/partner"
	"partnerkit/shared/signup"
)

// maxNoteLen bounds an override's note, in characters.
const maxNoteLen = 500

type overrideRequest struct {
	PartnerID string  `json:"partner_id"`
	Note      *string `json:"note"`
}

// validNote reports whether a note is 1–500 characters without control
// or format characters, line breaks aside.
func validNote(note string) bool {
	if strings.TrimSpace(note) == "" || len([]rune(note)) > maxNoteLen {
		return false
	}
	return strings.IndexFunc(note, func(r rune) bool {
		return r != '\n' && r != '\r' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r))
	}) < 0
}

// override is an admin moving a customer to another partner (contract
// section 9): the customer's later payments earn for that partner.
func (h *Handler) override(ctx context.Context, req *events.APIGatewayV2HTTPRequest, caller httpapi.Caller) (events.APIGatewayV2HTTPResponse, error) {
	if !caller.Admin {
		return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeForbidden, "Only an admin may override an attribution.")
	}
	var in overrideRequest
	if err := httpapi.DecodeBody(req, &in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if in.PartnerID == "" {
		return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeInvalidRequest, "partner_id is required.")
	}
	if in.Note == nil || !validNote(*in.Note) {
		return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeInvalidRequest,
			"note is required: why, in at most %d characters, without control characters (line breaks allowed).", maxNoteLen)
	}
	customerID := req.PathParameters["customer_id"]
	for attempt := 0; ; attempt++ {
		d, err := h.overrideOnce(ctx, customerID, in.PartnerID, *in.Note, caller)
		if err == nil {
			return httpapi.JSON(http.StatusOK, signup.Result(d, true)), nil
		}
		if !errors.Is(err, dynamo.ErrAttributionChanged) && !dynamo.Contended(err) {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		// Another override (or a payment touching the customer) won the
		// race: read again and decide again.
		if err := backoff.Default.Wait(ctx, attempt); err != nil {
			return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("partners: overriding %s: %w", customerID, err)
		}
	}
}

func (h *Handler) overrideOnce(ctx context.Context, customerID, partnerID, note string, caller httpapi.Caller) (attribution.Decision, error) {
	rec, err := h.Store.AttributionRecord(ctx, customerID)
	if errors.Is(err, dynamo.ErrNotFound) {
		return attribution.Decision{}, httpapi.Errorf(httpapi.CodeNotFound, "No signup webhook has been recorded for customer %q.", customerID)
	}
	if err != nil {
		return attribution.Decision{}, err
	}
	to, err := h.activePartner(ctx, partnerID)
	if err != nil {
		return attribution.Decision{}, err
	}
	now := h.Now().UTC()
	next := attribution.Override(rec.Decision, partnerID, caller.Subject, note, now)
	if up := to.ReferredBy; up != "" && up != partnerID {
		// The new partner's recruiter earns the second tier from now on,
		// unless the customer is that recruiter's own user: no partner
		// earns on its own payments.
		own, err := h.Store.PartnerBySubject(ctx, customerID)
		if err != nil && !errors.Is(err, dynamo.ErrNotFound) {
			return attribution.Decision{}, err
		}
		if err != nil || own.ID != up {
			next.Upline = up
		}
	}
	err = h.Store.OverrideAttribution(ctx, rec, next, now)
	if errors.Is(err, dynamo.ErrPartnerNotActive) {
		// Suspended or gone since it was read: say which; a partner
		// reactivated meanwhile is tried again.
		if _, err := h.activePartner(ctx, partnerID); err != nil {
			return attribution.Decision{}, err
		}
		return attribution.Decision{}, dynamo.ErrAttributionChanged
	}
	return next, err
}

// activePartner refuses an unknown (404) or suspended (409) partner.
func (h *Handler) activePartner(ctx context.Context, id string) (partner.Partner, error) {
	p, err := h.Store.Partner(ctx, id)
	switch {
	case errors.Is(err, dynamo.ErrNotFound):
		return p, httpapi.Errorf(httpapi.CodeNotFound, "No partner has the id %q.", id)
	case err != nil:
		return p, err
	case p.Status != partner.StatusActive:
		return p, httpapi.Errorf(httpapi.CodeConflict, "Partner %q is suspended; reactivate it before moving customers to it.", id)
	}
	return p, nil
}
