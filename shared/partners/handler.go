package partners

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"partnerkit/shared/access"
	"partnerkit/shared/attribution"
	"partnerkit/shared/backoff"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/httpapi"
	"partnerkit/shared/partner"
	"partnerkit/shared/program"
	"partnerkit/shared/referral"
	"partnerkit/shared/signup"
	"partnerkit/shared/validate"
)

// Store is what the partner API needs of the store.
type Store interface {
	CreatePartner(ctx context.Context, p partner.Partner) (partner.Partner, bool, error)
	PartnerBySubject(ctx context.Context, sub string) (partner.Partner, error)
	Partner(ctx context.Context, id string) (partner.Partner, error)
	SetPartnerStatus(ctx context.Context, id, status string) (partner.Partner, error)
	Attribution(ctx context.Context, customerID string) (attribution.Decision, error)
	CenterStore
	LinkStore
	NumbersStore
	NotificationStore
	Partners(ctx context.Context, ids []string) (map[string]partner.Partner, error)
}

var _ Store = (*dynamo.Store)(nil)

// Handler serves the partner routes. It is safe for concurrent use.
type Handler struct {
	Store Store
	// Money serves commissions, payouts and money stats.
	Money MoneyStore
	// Program keeps the program's settings; Defaults is version 1, from
	// the configuration.
	Program  ProgramStore
	Defaults program.Settings
	// PreviewLimit bounds the payments a dry run reads (0: PreviewLimit).
	PreviewLimit int
	// BaseURL is PUBLIC_BASE_URL; links are BaseURL/r/{code}.
	BaseURL string
	// Redirects checks a promo link's target as the redirect will follow it.
	Redirects *referral.Redirects
	Now       func() time.Time
	Log       *slog.Logger
}

// Handle answers one HTTP API request; errors become the contract's JSON.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	resp, err := h.route(ctx, &req)
	if err != nil {
		return httpapi.ErrorResponse(ctx, h.Log, err), nil
	}
	return resp, nil
}

func (h *Handler) route(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	// Oversize bodies are refused first, whatever the route (section 2).
	if _, err := httpapi.Body(req); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	caller, err := httpapi.CallerOf(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	switch req.RouteKey {
	case "POST /partners":
		return h.enroll(ctx, req, caller)
	case "GET /partners/{id}":
		return h.get(ctx, req.PathParameters["id"], caller)
	case "PATCH /partners/{id}":
		return h.patch(ctx, req, caller)
	case "GET /partners/{id}/commissions":
		return h.commissions(ctx, req, caller)
	case "GET /payouts":
		return h.payouts(ctx, req, caller)
	case "POST /payouts/{statement_id}/paid":
		return h.markPaid(ctx, req, caller)
	case "GET /customers/{customer_id}/attribution":
		return h.attribution(ctx, req.PathParameters["customer_id"], caller)
	case "PUT /customers/{customer_id}/attribution":
		return h.override(ctx, req, caller)
	case "GET /partners":
		return h.list(ctx, req, caller)
	case "GET /partners/{id}/activity":
		return h.activity(ctx, req, caller)
	case "GET /partners/{id}/customers":
		return h.customers(ctx, req, caller)
	case "POST /partners/{id}/links":
		return h.createLink(ctx, req, caller)
	case "GET /partners/{id}/links":
		return h.listLinks(ctx, req, caller)
	case "PATCH /partners/{id}/links/{link_id}":
		return h.patchLink(ctx, req, caller)
	case "GET /partners/{id}/links/{link_id}/activity":
		return h.linkActivity(ctx, req, caller)
	case "GET /partners/{id}/notifications":
		return h.getNotifications(ctx, req, caller)
	case "PUT /partners/{id}/notifications":
		return h.putNotifications(ctx, req, caller)
	case "GET /program/numbers":
		return h.programNumbers(ctx, req, caller)
	case "GET /program":
		return h.getProgram(ctx, caller)
	case "PUT /program":
		return h.putProgram(ctx, req, caller)
	case "POST /program/preview":
		return h.previewProgram(ctx, req, caller)
	case "GET /program/versions":
		return h.programVersions(ctx, req, caller)
	}
	return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeNotFound, "No such route.")
}

type enrollRequest struct {
	Name *string `json:"name"`
	Code *string `json:"code"`
}

type enrolled struct {
	PartnerID string `json:"partner_id"`
	Code      string `json:"code"`
	Link      string `json:"link"`
}

func (h *Handler) enroll(ctx context.Context, req *events.APIGatewayV2HTTPRequest, caller httpapi.Caller) (events.APIGatewayV2HTTPResponse, error) {
	var in enrollRequest
	if err := httpapi.DecodeBody(req, &in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	var name, vanity string
	if in.Name != nil {
		name = strings.TrimSpace(*in.Name)
		if validate.Name(name) != nil {
			return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeInvalidRequest,
				"name must be at most %d characters on one line, without control or invisible formatting characters.", validate.MaxNameLen)
		}
	}
	if in.Code != nil {
		code, err := referral.ValidateVanity(*in.Code)
		switch {
		case errors.Is(err, referral.ErrCodeFormat):
			return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeInvalidRequest, "code: %s.", err)
		case errors.Is(err, referral.ErrCodeReserved):
			return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeConflict, "The code %q is reserved; choose another.", strings.ToLower(*in.Code))
		}
		vanity = code
	}

	// Generated codes retry on the rare collision; a transaction conflict
	// with a concurrent enrollment of the same user retries too and then
	// finds that user's partner.
	// A user who signed up as a customer through a partner was recruited
	// by it: that partner earns the second tier on this one's commissions.
	var recruiter string
	if d, err := h.Store.Attribution(ctx, caller.Subject); err == nil && d.Attributed {
		recruiter = d.PartnerID
	} else if err != nil && !errors.Is(err, dynamo.ErrNotFound) {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		code := vanity
		if code == "" {
			code = referral.GenerateCode()
		}
		p := partner.Partner{
			ID: referral.NewPartnerID(), Code: code, Name: name, Subject: caller.Subject,
			Email: caller.Email, Status: partner.StatusActive, CreatedAt: h.Now().UTC(), ReferredBy: recruiter,
		}
		got, created, err := h.Store.CreatePartner(ctx, p)
		switch {
		case err == nil && created:
			return httpapi.JSON(http.StatusCreated, h.enrolled(got)), nil
		case err == nil:
			return httpapi.JSON(http.StatusOK, h.enrolled(got)), nil
		case errors.Is(err, dynamo.ErrCodeTaken) && vanity != "":
			return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeConflict, "The code %q is taken; choose another.", vanity)
		case errors.Is(err, dynamo.ErrCodeTaken):
		case !dynamo.Contended(err):
			return events.APIGatewayV2HTTPResponse{}, err
		default:
			lastErr = err
			if err := backoff.Default.Wait(ctx, attempt); err != nil {
				return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("partners: enrolling: %w", err)
			}
		}
	}
	if lastErr == nil {
		lastErr = errors.New("partners: no free generated code after 5 attempts")
	}
	return events.APIGatewayV2HTTPResponse{}, lastErr
}

func (h *Handler) enrolled(p partner.Partner) enrolled {
	return enrolled{PartnerID: p.ID, Code: p.Code, Link: h.BaseURL + "/r/" + p.Code}
}

// Profile is a partner as the API shows it.
type Profile struct {
	PartnerID string `json:"partner_id"`
	Code      string `json:"code"`
	Link      string `json:"link"`
	Name      string `json:"name,omitempty"`
	Email     string `json:"email,omitempty"`
	Status    string `json:"status"`
	CreatedAt string `json:"created_at"`
	Stats     Stats  `json:"stats"`
}

// Stats are a partner's counts and money per currency (minor units).
type Stats struct {
	Clicks    int64            `json:"clicks"`
	Signups   int64            `json:"signups"`
	Customers int64            `json:"customers"`
	Pending   map[string]int64 `json:"pending"`
	// OnHold is the part of Pending that waits for the program's hold
	// period beyond the next statement.
	OnHold  map[string]int64 `json:"on_hold"`
	Payable map[string]int64 `json:"payable"`
	Paid    map[string]int64 `json:"paid"`
}

// lookup finds the partner the caller asks for (package access).
func (h *Handler) lookup(ctx context.Context, id string, caller httpapi.Caller) (partner.Partner, error) {
	return access.Partner(ctx, h.Store, id, caller)
}

func (h *Handler) get(ctx context.Context, id string, caller httpapi.Caller) (events.APIGatewayV2HTTPResponse, error) {
	p, err := h.lookup(ctx, id, caller)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	prof, err := h.profile(ctx, p)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return httpapi.JSON(http.StatusOK, prof), nil
}

func (h *Handler) profile(ctx context.Context, p partner.Partner) (Profile, error) {
	prof := h.profileOf(p)
	return prof, h.money(ctx, p.ID, &prof.Stats)
}

// profileOf is a profile without its stats, which money fills.
func (h *Handler) profileOf(p partner.Partner) Profile {
	return Profile{
		PartnerID: p.ID, Code: p.Code, Link: h.BaseURL + "/r/" + p.Code, Name: p.Name, Email: p.Email,
		Status: p.Status, CreatedAt: p.CreatedAt.UTC().Format(time.RFC3339Nano),
		Stats: Stats{Pending: map[string]int64{}, OnHold: map[string]int64{}, Payable: map[string]int64{}, Paid: map[string]int64{}},
	}
}

type patchRequest struct {
	Status string `json:"status"`
}

func (h *Handler) patch(ctx context.Context, req *events.APIGatewayV2HTTPRequest, caller httpapi.Caller) (events.APIGatewayV2HTTPResponse, error) {
	if !caller.Admin {
		return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeForbidden, "Only an admin may change a partner's status.")
	}
	var in patchRequest
	if err := httpapi.DecodeBody(req, &in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if in.Status != partner.StatusActive && in.Status != partner.StatusSuspended {
		return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeInvalidRequest, `status must be "active" or "suspended".`)
	}
	// The resolved partner's id, never the path's: "me" is not an id.
	target, err := h.lookup(ctx, req.PathParameters["id"], caller)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	p, err := h.Store.SetPartnerStatus(ctx, target.ID, in.Status)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	prof, err := h.profile(ctx, p)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return httpapi.JSON(http.StatusOK, prof), nil
}

// attribution shows an admin how a customer was attributed: the decision
// and every touch considered, so "why wasn't I credited?" has an answer.
func (h *Handler) attribution(ctx context.Context, customerID string, caller httpapi.Caller) (events.APIGatewayV2HTTPResponse, error) {
	if !caller.Admin {
		return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeForbidden, "Only an admin may read attributions.")
	}
	if validate.ExternalID(customerID) != nil {
		return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeInvalidRequest, "customer_id must be %s.", validate.IDRule)
	}
	d, err := h.Store.Attribution(ctx, customerID)
	if errors.Is(err, dynamo.ErrNotFound) {
		return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeNotFound, "No signup webhook has been recorded for customer %q.", customerID)
	}
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return httpapi.JSON(http.StatusOK, signup.Result(d, true)), nil
}
