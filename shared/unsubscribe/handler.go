package unsubscribe

import (
	"context"
	_ "embed"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/httpapi"
	"partnerkit/shared/partner"
)

// Store is what unsubscribing needs of the store.
type Store interface {
	Suppress(ctx context.Context, emailHash string, at time.Time) error
	SetNotificationPrefs(ctx context.Context, partnerID string, on map[string]bool) error
}

var _ Store = (*dynamo.Store)(nil)

//go:embed page.html
var pageHTML string

// The pages are fixed text: they show nothing of the request, so they are
// built once, without a template engine (which would also make the binary
// keep every method it could reflect on).
var (
	confirmPage = page("Unsubscribe from invitations",
		`<p id="text">Stop all partner invitations to this email address? No one will be able to invite it again.</p>
<form method="post">
<button id="unsubscribe" type="submit">Unsubscribe</button>
</form>`)
	donePage     = page("You are unsubscribed", `<p id="text">This email address will not receive any more invitations.</p>`)
	invalidPage  = page("Link not valid", `<p id="text">This unsubscribe link is not valid. Use the link of the invitation email as it was sent.</p>`)
	tooLargePage = page("Request too large", `<p id="text">The request was too large.</p>`)
	errorPage    = page("Please try again", `<p id="text">Something went wrong on our side; nothing was changed. Please try again later.</p>`)
)

// partnerPages are the confirmation and done pages of a partner's
// lifecycle email links, per kind: fixed text as well.
var partnerPages = func() map[string][2]string {
	what := map[string]string{
		partner.KindWelcome:          "welcome emails",
		partner.KindFirstSignup:      "the email about your first referred signup",
		partner.KindStatementPayable: "emails when a statement becomes payable",
		partner.KindMilestones:       "milestone emails",
		KindAll:                      "all partner program emails",
	}
	pages := map[string][2]string{}
	for kind, w := range what {
		pages[kind] = [2]string{
			page("Unsubscribe from partner emails",
				`<p id="text">Stop `+w+`? You can turn them on again in the Partner Center, under Notifications.</p>
<form method="post">
<button id="unsubscribe" type="submit">Unsubscribe</button>
</form>`),
			page("You are unsubscribed", `<p id="text">You will not receive `+w+` any more. You can turn them on again in the Partner Center, under Notifications.</p>`),
		}
	}
	return pages
}()

// page fills the layout with a title and HTML content, both constants.
func page(title, content string) string {
	return strings.NewReplacer("{{title}}", title, "{{content}}", content).Replace(pageHTML)
}

// pageHeaders keep the page out of caches, frames and Referer headers
// (its URL is the token) and let it post its form only to itself.
var pageHeaders = map[string]string{
	"Content-Type":            "text/html; charset=utf-8",
	"Cache-Control":           "no-store",
	"Referrer-Policy":         "no-referrer",
	"X-Content-Type-Options":  "nosniff",
	"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}

// Handler serves GET and POST /u/{token}. It is safe for concurrent use.
type Handler struct {
	Store  Store
	Tokens *Tokens
	Now    func() time.Time
	Log    *slog.Logger
}

func respond(status int, page string) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: pageHeaders, Body: page}
}

// Handle answers one request with an HTML page. Bad or forged tokens get a
// 404 page and nothing is written.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	if _, err := httpapi.Body(&req); err != nil {
		return respond(http.StatusRequestEntityTooLarge, tooLargePage), nil
	}
	token := req.PathParameters["token"]
	if partnerID, kind, ok := h.Tokens.OpenPartner(token); ok {
		return h.partner(ctx, req.RequestContext.HTTP.Method, partnerID, kind), nil
	}
	hash, ok := h.Tokens.Open(token)
	if !ok {
		return respond(http.StatusNotFound, invalidPage), nil
	}
	switch req.RequestContext.HTTP.Method {
	case http.MethodGet:
		return respond(http.StatusOK, confirmPage), nil
	case http.MethodPost:
		// RFC 8058's one-click POST carries List-Unsubscribe=One-Click; the
		// page's form carries nothing. Either way, the token decides.
		if err := h.Store.Suppress(ctx, hash, h.Now().UTC()); err != nil {
			h.Log.ErrorContext(ctx, "unsubscribe not recorded", "error", err.Error())
			return respond(http.StatusInternalServerError, errorPage), nil
		}
		h.Log.InfoContext(ctx, "address unsubscribed from invites", "email_hash", hash)
		return respond(http.StatusOK, donePage), nil
	}
	return respond(http.StatusNotFound, invalidPage), nil
}

// partner answers a partner's lifecycle email link: GET confirms, POST
// turns the kind off (every kind for KindAll) in the partner's
// preferences, which the partner can turn on again.
func (h *Handler) partner(ctx context.Context, method, partnerID, kind string) events.APIGatewayV2HTTPResponse {
	pages := partnerPages[kind]
	switch method {
	case http.MethodGet:
		return respond(http.StatusOK, pages[0])
	case http.MethodPost:
		off := map[string]bool{}
		for _, k := range partner.Kinds {
			if kind == KindAll || kind == k {
				off[k] = false
			}
		}
		if err := h.Store.SetNotificationPrefs(ctx, partnerID, off); err != nil {
			h.Log.ErrorContext(ctx, "partner unsubscribe not recorded", "error", err.Error())
			return respond(http.StatusInternalServerError, errorPage)
		}
		h.Log.InfoContext(ctx, "partner unsubscribed from lifecycle emails", "partner_id", partnerID, "kind", kind)
		return respond(http.StatusOK, pages[1])
	}
	return respond(http.StatusNotFound, invalidPage)
}
