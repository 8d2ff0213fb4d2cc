package partners

import (
	"context"
	"errors"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/httpapi"
	"partnerkit/shared/program"
)

// ProgramStore is what the program settings routes need of the store.
type ProgramStore interface {
	Program(ctx context.Context) (program.Settings, bool, error)
	SaveProgram(ctx context.Context, s program.Settings) error
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
		return events.APIGatewayV2HTTPResponse{}, stale(cur.Version)
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
	var s program.Settings
	if err := httpapi.DecodeBody(req, &s); err != nil {
		return s, err
	}
	if s.Version < 1 {
		return s, httpapi.Errorf(httpapi.CodeInvalidRequest, "version: give the version you edited, as GET /program answered it.")
	}
	s.Normalize()
	return s, s.Validate()
}
