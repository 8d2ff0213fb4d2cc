package partners

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/httpapi"
	"partnerkit/shared/ledger"
	"partnerkit/shared/program"
)

// ProgramStore is what the program settings routes need of the store.
type ProgramStore interface {
	Program(ctx context.Context) (program.Settings, bool, error)
	SaveProgram(ctx context.Context, s program.Settings) error
	EarningPayments(ctx context.Context, period ledger.Period, limit int) ([]program.Recorded, bool, error)
	ProgramVersions(ctx context.Context, pg dynamo.Page) ([]program.Settings, string, error)
}

var _ ProgramStore = (*dynamo.Store)(nil)

// current returns the settings in force: the saved ones, else version 1
// from the configuration.
func (h *Handler) current(ctx context.Context) (program.Settings, error) {
	s, ok, err := h.Program.Program(ctx)
	if err != nil || ok {
		return s, err
	}
	return h.Defaults, nil
}

func (h *Handler) getProgram(ctx context.Context, caller httpapi.Caller) (events.APIGatewayV2HTTPResponse, error) {
	if !caller.Admin {
		return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeForbidden, "Only an admin may read the program's settings.")
	}
	s, err := h.current(ctx)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return httpapi.JSON(http.StatusOK, s), nil
}

// putProgram saves a new version. The body is the whole settings document
// with "version" the version the admin edited: a save over a version that
// is no longer current is refused with 409, so no change is lost.
func (h *Handler) putProgram(ctx context.Context, req *events.APIGatewayV2HTTPRequest, caller httpapi.Caller) (events.APIGatewayV2HTTPResponse, error) {
	if !caller.Admin {
		return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeForbidden, "Only an admin may change the program's settings.")
	}
	s, err := decodeSettings(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	cur, err := h.current(ctx)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if s.Version != cur.Version {
		return events.APIGatewayV2HTTPResponse{}, stale(s.Version)
	}
	s.Version++
	s.UpdatedBy, s.UpdatedAt = caller.Subject, h.Now().UTC().Truncate(1e6)
	if err := h.Program.SaveProgram(ctx, s); errors.Is(err, dynamo.ErrStaleProgram) {
		return events.APIGatewayV2HTTPResponse{}, stale(s.Version - 1)
	} else if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return httpapi.JSON(http.StatusOK, s), nil
}

func stale(read int) error {
	return httpapi.Errorf(httpapi.CodeConflict, "The settings changed since version %d was read: read them again and reapply your change.", read)
}

// decodeSettings reads and checks a settings document.
func decodeSettings(req *events.APIGatewayV2HTTPRequest) (program.Settings, error) {
	s, err := decodeDocument(req)
	if err != nil {
		return s, err
	}
	if s.Version < 1 {
		return s, httpapi.Errorf(httpapi.CodeInvalidRequest, "version: give the version you edited, as GET /program answered it.")
	}
	s.Normalize()
	return s, s.Validate()
}

// decodeDocument decodes a settings document, refusing one that names a
// field twice: the decoder would keep the last value, merge the maps and
// match names in any letter case, so the document read by whoever approved
// it would not be the one saved.
func decodeDocument(req *events.APIGatewayV2HTTPRequest) (program.Settings, error) {
	var s program.Settings
	if err := httpapi.DecodeBody(req, &s); err != nil {
		return s, err
	}
	raw, err := httpapi.Body(req)
	if err != nil {
		return s, err
	}
	if field := repeatedField(json.NewDecoder(bytes.NewReader(raw)), ""); field != "" {
		return s, httpapi.Errorf(httpapi.CodeInvalidRequest, "%s: the document names this field twice (in any letter case); give each field once.", field)
	}
	return s, nil
}

// repeatedField returns the path of the first object member named twice,
// without regard to case, in the value dec reads next, or "". The value is
// known to be valid JSON.
func repeatedField(dec *json.Decoder, path string) string {
	tok, err := dec.Token()
	if err != nil {
		return ""
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return ""
			}
			k, _ := kt.(string)
			field := k
			if path != "" {
				field = path + "." + k
			}
			if seen[strings.ToLower(k)] {
				return field
			}
			seen[strings.ToLower(k)] = true
			if f := repeatedField(dec, field); f != "" {
				return f
			}
		}
		dec.Token() // the closing brace
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if f := repeatedField(dec, fmt.Sprintf("%s[%d]", path, i)); f != "" {
				return f
			}
		}
		dec.Token()
	}
	return ""
}

// PreviewLimit is how many payments a dry run reads at most.
const PreviewLimit = 5000

// previewAnswer is POST /program/preview's answer.
type previewAnswer struct {
	Period         string                   `json:"period"`
	CurrentVersion int                      `json:"current_version"`
	Payments       int                      `json:"payments"`
	Limit          int                      `json:"limit"`
	Truncated      bool                     `json:"truncated"`
	Currencies     []program.CurrencyTotals `json:"currencies"`
	Partners       []previewPartner         `json:"partners"`
	Approximations []string                 `json:"approximations"`
}

type previewPartner struct {
	program.PartnerTotals
	Code string `json:"code,omitempty"`
}

// previewProgram is a dry run: what a proposed settings document would
// have paid on a month's payments (by default last month's) against what
// they recorded, per currency and for the partners it changes most. It
// writes nothing; the document is checked as PUT checks it, its version
// ignored.
func (h *Handler) previewProgram(ctx context.Context, req *events.APIGatewayV2HTTPRequest, caller httpapi.Caller) (events.APIGatewayV2HTTPResponse, error) {
	if !caller.Admin {
		return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeForbidden, "Only an admin may preview the program's settings.")
	}
	s, err := decodeDocument(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	s.Normalize()
	if err := s.Validate(); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	this := ledger.PeriodOf(h.Now())
	period := this.Prev()
	if q := req.QueryStringParameters["period"]; q != "" {
		p, err := ledger.ParsePeriod(q)
		if err != nil || this.Before(p) {
			return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeInvalidRequest, "period: a month as YYYY-MM, not after this one.")
		}
		period = p
	}
	cur, err := h.current(ctx)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	limit := h.PreviewLimit
	if limit <= 0 {
		limit = PreviewLimit
	}
	recorded, truncated, err := h.Program.EarningPayments(ctx, period, limit)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	s.Version = cur.Version + 1
	res := s.Preview(recorded)
	out := previewAnswer{Period: period.String(), CurrentVersion: cur.Version, Payments: len(recorded), Limit: limit, Truncated: truncated,
		Currencies: res.Currencies, Partners: make([]previewPartner, 0, len(res.Partners)), Approximations: res.Approximations}
	if out.Currencies == nil {
		out.Currencies = []program.CurrencyTotals{}
	}
	ids := make([]string, 0, len(res.Partners))
	for _, p := range res.Partners {
		ids = append(ids, p.PartnerID)
	}
	profiles, err := h.Store.Partners(ctx, ids)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	for _, p := range res.Partners {
		out.Partners = append(out.Partners, previewPartner{PartnerTotals: p, Code: profiles[p.PartnerID].Code})
	}
	if truncated {
		out.Approximations = append(out.Approximations, fmt.Sprintf("Only the first %d payments of the month were compared: the totals are of those.", limit))
	}
	return httpapi.JSON(http.StatusOK, out), nil
}

// versionsAnswer is GET /program/versions's answer.
type versionsAnswer struct {
	Versions   []program.Settings `json:"versions"`
	NextCursor string             `json:"next_cursor,omitempty"`
}

// programVersions lists every version of the settings, newest first, page
// by page; the last page ends with version 1, the configuration's.
func (h *Handler) programVersions(ctx context.Context, req *events.APIGatewayV2HTTPRequest, caller httpapi.Caller) (events.APIGatewayV2HTTPResponse, error) {
	if !caller.Admin {
		return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeForbidden, "Only an admin may read the program's settings.")
	}
	pg, err := pageOf(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	versions, next, err := h.Program.ProgramVersions(ctx, pg)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, listError(err)
	}
	// Version 1 is never stored: it closes the last page.
	if next == "" {
		versions = append(versions, h.Defaults)
	}
	return httpapi.JSON(http.StatusOK, versionsAnswer{Versions: versions, NextCursor: next}), nil
}
