package partners

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"partnerkit/shared/activity"
	"partnerkit/shared/attribution"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/emailaddr"
	"partnerkit/shared/httpapi"
	"partnerkit/shared/partner"
	"partnerkit/shared/referral"
)

// CenterStore is what the Partner Center's routes (contract section 9)
// need of the store beyond the profile.
type CenterStore interface {
	ListPartners(ctx context.Context, f dynamo.PartnerFilter, pg dynamo.Page) ([]partner.Partner, string, error)
	Activity(ctx context.Context, partnerID string) (map[string]activity.Counts, error)
	PartnerCustomers(ctx context.Context, partnerID string, pg dynamo.Page) ([]dynamo.CustomerEntry, string, error)
	AttributionRecord(ctx context.Context, customerID string) (dynamo.AttributionRecord, error)
	OverrideAttribution(ctx context.Context, rec dynamo.AttributionRecord, next attribution.Decision, now time.Time) error
}

// moneyReaders bounds how many partners' money stats a list reads at once.
const moneyReaders = 8

// pageOf reads the limit and cursor parameters; a malformed limit is
// refused here, a malformed cursor by the store when it reads it.
func pageOf(req *events.APIGatewayV2HTTPRequest) (dynamo.Page, error) {
	limit, err := limitParam(req)
	return dynamo.Page{Limit: limit, Cursor: req.QueryStringParameters["cursor"]}, err
}

// listError turns a refused cursor into 400.
func listError(err error) error {
	if errors.Is(err, dynamo.ErrBadCursor) {
		return httpapi.Errorf(httpapi.CodeInvalidRequest, "cursor is not one this list handed out; start again without it.")
	}
	return err
}

// PartnerSummary is a partner in the admin's partner list.
type PartnerSummary struct {
	PartnerID string `json:"partner_id"`
	Code      string `json:"code"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	Status    string `json:"status"`
	CreatedAt string `json:"created_at"`
	Stats     Stats  `json:"stats"`
}

// partnerFilter reads q and status. q with an @ is an email, else a code
// prefix; both are compared lower-cased.
func partnerFilter(req *events.APIGatewayV2HTTPRequest) (dynamo.PartnerFilter, error) {
	var f dynamo.PartnerFilter
	switch st := req.QueryStringParameters["status"]; st {
	case "", partner.StatusActive, partner.StatusSuspended:
		f.Status = st
	default:
		return f, httpapi.Errorf(httpapi.CodeInvalidRequest, `status must be "active" or "suspended".`)
	}
	q := strings.ToLower(strings.TrimSpace(req.QueryStringParameters["q"]))
	switch {
	case q == "":
	case strings.Contains(q, "@"):
		email, err := emailaddr.Normalize(q)
		if err != nil {
			return f, httpapi.Errorf(httpapi.CodeInvalidRequest, "q: an email to search for must be a bare address like jane@example.com.")
		}
		f.Email = email
	default:
		if len(q) > referral.MaxCodeLen || strings.Trim(q, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return f, httpapi.Errorf(httpapi.CodeInvalidRequest, "q must be the start of a referral code (a-z, 0-9 and -, at most %d characters) or an email address.", referral.MaxCodeLen)
		}
		f.CodePrefix = q
	}
	return f, nil
}

func (h *Handler) list(ctx context.Context, req *events.APIGatewayV2HTTPRequest, caller httpapi.Caller) (events.APIGatewayV2HTTPResponse, error) {
	if !caller.Admin {
		return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeForbidden, "Only an admin may list partners.")
	}
	f, err := partnerFilter(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	pg, err := pageOf(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	ps, next, err := h.Store.ListPartners(ctx, f, pg)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, listError(err)
	}
	out := make([]PartnerSummary, len(ps))
	for i, p := range ps {
		prof := h.profileOf(p)
		out[i] = PartnerSummary{PartnerID: p.ID, Code: p.Code, Name: p.Name, Email: p.Email, Status: p.Status, CreatedAt: prof.CreatedAt, Stats: prof.Stats}
	}
	// Stats as the profile computes them, a few partners at a time.
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		sem      = make(chan struct{}, moneyReaders)
	)
	for i := range out {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := h.money(ctx, out[i].PartnerID, &out[i].Stats); err != nil {
				mu.Lock()
				firstErr = cmp.Or(firstErr, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return events.APIGatewayV2HTTPResponse{}, firstErr
	}
	return httpapi.JSON(http.StatusOK, struct {
		Partners   []PartnerSummary `json:"partners"`
		NextCursor string           `json:"next_cursor,omitempty"`
	}{out, next}), nil
}

// Day is one day of a partner's activity.
type Day struct {
	Date    string `json:"date"`
	Clicks  int64  `json:"clicks"`
	Signups int64  `json:"signups"`
}

func (h *Handler) activity(ctx context.Context, req *events.APIGatewayV2HTTPRequest, caller httpapi.Caller) (events.APIGatewayV2HTTPResponse, error) {
	now := h.Now()
	r, err := activity.ParseRange(req.QueryStringParameters["from"], req.QueryStringParameters["to"], now)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeInvalidRequest,
			"from and to are dates like 2026-12-03, from not after to, at most %d days apart (inclusive).", activity.MaxDays)
	}
	p, err := h.lookup(ctx, req.PathParameters["id"], caller)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	byDate, err := h.Store.Activity(ctx, p.ID)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	points := activity.Series(r, byDate, now)
	days := make([]Day, len(points))
	for i, pt := range points {
		days[i] = Day{Date: pt.Date, Clicks: pt.Clicks, Signups: pt.Signups}
	}
	return httpapi.JSON(http.StatusOK, struct {
		Days []Day `json:"days"`
	}{days}), nil
}

// Customer is one of a partner's referred customers as the partner sees
// it: never the full email.
type Customer struct {
	CustomerID   string `json:"customer_id"`
	EmailHint    string `json:"email_hint"`
	Source       string `json:"source"`
	AttributedAt string `json:"attributed_at"`
	LastPaidAt   string `json:"last_paid_at,omitempty"`
}

func (h *Handler) customers(ctx context.Context, req *events.APIGatewayV2HTTPRequest, caller httpapi.Caller) (events.APIGatewayV2HTTPResponse, error) {
	pg, err := pageOf(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	p, err := h.lookup(ctx, req.PathParameters["id"], caller)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	entries, next, err := h.Store.PartnerCustomers(ctx, p.ID, pg)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, listError(err)
	}
	out := make([]Customer, len(entries))
	for i, e := range entries {
		out[i] = Customer{CustomerID: e.CustomerID, EmailHint: e.EmailHint, Source: e.Source, AttributedAt: e.AttributedAt, LastPaidAt: e.LastPaidAt}
	}
	return httpapi.JSON(http.StatusOK, struct {
		Customers  []Customer `json:"customers"`
		NextCursor string     `json:"next_cursor,omitempty"`
	}{out, next}), nil
}
