package redirect

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/metrics"
	"partnerkit/shared/partner"
	"partnerkit/shared/referral"
)

// Store is what the redirect needs of the store.
type Store interface {
	CodeOwner(ctx context.Context, code string) (partner.CodeOwner, error)
	RecordClick(ctx context.Context, partnerID string, at time.Time) error
	RecordFirstTouch(ctx context.Context, t referral.Touch, window time.Duration) (referral.Touch, bool, error)
}

var _ Store = (*dynamo.Store)(nil)

// StoreBudget bounds the store calls of one redirect (contract section 3):
// past it the visitor gets the plain 302, uncounted, rather than waiting.
const StoreBudget = time.Second

// Handler serves /r/{code}. Build it with New; it is safe for concurrent use.
type Handler struct {
	store     Store
	redirects *referral.Redirects
	cookies   *referral.Cookies
	invites   *referral.InviteTokens
	now       func() time.Time
	log       *slog.Logger
	cache     *codeCache
}

// Options configures New.
type Options struct {
	Store     Store
	Redirects *referral.Redirects
	Cookies   *referral.Cookies
	// Invites opens ?inv= tokens of invite links; nil ignores them.
	Invites *referral.InviteTokens
	// CodeTTL is how long code lookups are cached (at most CodeTTL; 0
	// disables the cache, as the local stack does so suspensions apply at once).
	CodeTTL time.Duration
	Now     func() time.Time
	Log     *slog.Logger
}

// New returns a Handler.
func New(o Options) *Handler {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Handler{store: o.Store, redirects: o.Redirects, cookies: o.Cookies, invites: o.Invites, now: o.Now, log: o.Log, cache: newCodeCache(min(o.CodeTTL, CodeTTL))}
}

func found(location string) Response {
	return Response{StatusCode: http.StatusFound, Headers: Headers{
		Location: location, CacheControl: "no-store", ReferrerPolicy: "strict-origin-when-cross-origin",
	}}
}

// Handle answers one request. It never fails the request: whatever goes
// wrong, the visitor still lands on the landing page (or a valid ?to=),
// only without being counted.
func (h *Handler) Handle(ctx context.Context, req Request) (Response, error) {
	target := h.redirects.Resolve(req.QueryStringParameters.To).WithParams(req.RawQueryString)
	if req.RequestContext.HTTP.Method != http.MethodGet ||
		!referral.IsNavigation(req.Headers.SecFetchDest) ||
		referral.IsBot(req.Headers.UserAgent) ||
		referral.IsPrefetch(req.Headers.SecPurpose, req.Headers.Purpose) {
		return found(target.URL()), nil
	}
	code, ok := referral.NormalizeCode(req.PathParameters.Code)
	// A valid invite token makes the click the inviting partner's, through
	// that partner's own code (the cached lookup), whatever code the link
	// carries. Without ?inv= this costs one comparison.
	invitedBy := ""
	if req.QueryStringParameters.Inv != "" {
		if inv, valid := h.invites.Open(req.QueryStringParameters.Inv); valid {
			code, ok, invitedBy = inv.Code, true, inv.PartnerID
		}
	}
	if !ok {
		return found(target.URL()), nil
	}
	now := h.now()
	// However the store behaves, the visitor lands within the budget.
	ctx, cancel := context.WithTimeout(ctx, StoreBudget)
	defer cancel()
	owner, err := h.owner(ctx, code, now)
	if err != nil {
		h.log.ErrorContext(ctx, "code lookup failed", "error", err.Error())
		return found(target.URL()), nil
	}
	if owner.PartnerID == "" || !owner.Active || (invitedBy != "" && owner.PartnerID != invitedBy) {
		return found(target.URL()), nil
	}

	// A visitor who already has a valid cookie keeps its visitor id and
	// first partner: only the click is counted, and no cookie is set.
	if first, ok := h.cookies.FromCookies(req.Cookies, now); ok {
		if err := h.store.RecordClick(ctx, owner.PartnerID, now); err != nil {
			h.log.ErrorContext(ctx, "click not recorded", "error", err.Error())
			return found(target.URL()), nil
		}
		metrics.Count(metrics.Clicks, 1)
		return found(target.WithVisitor(first.VisitorID)), nil
	}

	touch := referral.Touch{VisitorID: referral.NewVisitorID(), PartnerID: owner.PartnerID, At: now.UTC().Truncate(time.Millisecond)}
	// Both writes go out together: one round trip of latency.
	var wg sync.WaitGroup
	var clickErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		clickErr = h.store.RecordClick(ctx, owner.PartnerID, now)
	}()
	winner, _, touchErr := h.store.RecordFirstTouch(ctx, touch, h.cookies.MaxAge)
	wg.Wait()
	if err := errors.Join(clickErr, touchErr); err != nil {
		h.log.ErrorContext(ctx, "click not recorded", "error", err.Error())
		return found(target.URL()), nil
	}
	metrics.Count(metrics.Clicks, 1)
	resp := found(target.WithVisitor(winner.VisitorID))
	resp.Cookies = []string{h.cookies.SetCookie(winner)}
	return resp, nil
}

// owner looks a code up through the cache. A code nobody owns comes back
// as a zero CodeOwner.
func (h *Handler) owner(ctx context.Context, code string, now time.Time) (partner.CodeOwner, error) {
	if e, ok := h.cache.get(code, now); ok {
		return e.owner, nil
	}
	owner, err := h.store.CodeOwner(ctx, code)
	switch {
	case errors.Is(err, dynamo.ErrNotFound):
		h.cache.put(code, partner.CodeOwner{}, now)
		return partner.CodeOwner{}, nil
	case err != nil:
		return partner.CodeOwner{}, err
	}
	h.cache.put(code, owner, now)
	return owner, nil
}
