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
	LinkRoute(ctx context.Context, code, slug string) (partner.CodeOwner, dynamo.LinkRoute, error)
	CountClick(ctx context.Context, c dynamo.Click) error
	CountRepeatClick(ctx context.Context, visitorID string, c dynamo.Click) (bool, error)
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
	counted := req.RequestContext.HTTP.Method == http.MethodGet &&
		referral.IsNavigation(req.Headers.SecFetchDest) &&
		!referral.IsBot(req.Headers.UserAgent) &&
		!referral.IsPrefetch(req.Headers.SecPurpose, req.Headers.Purpose)
	// A promo link's slug; a malformed one is the code itself.
	slug := ""
	if req.PathParameters.Slug != "" {
		if s, err := referral.NormalizeSlug(req.PathParameters.Slug); err == nil {
			slug = s
		}
	}
	if !counted && slug == "" {
		return found(h.target(req, dynamo.LinkRoute{}).URL()), nil
	}
	code, ok := referral.NormalizeCode(req.PathParameters.Code)
	// A valid invite token makes the click the inviting partner's, through
	// that partner's own code (the cached lookup), whatever code the link
	// carries. Without ?inv= this costs one comparison.
	invitedBy := ""
	if counted && req.QueryStringParameters.Inv != "" {
		if inv, valid := h.invites.Open(req.QueryStringParameters.Inv); valid {
			code, ok, invitedBy, slug = inv.Code, true, inv.PartnerID, ""
		}
	}
	if !ok {
		return found(h.target(req, dynamo.LinkRoute{}).URL()), nil
	}
	now := h.now()
	// However the store behaves, the visitor lands within the budget.
	ctx, cancel := context.WithTimeout(ctx, StoreBudget)
	defer cancel()
	owner, route, err := h.owner(ctx, code, slug, now)
	if err != nil {
		h.log.ErrorContext(ctx, "code lookup failed", "error", err.Error())
		return found(h.target(req, dynamo.LinkRoute{}).URL()), nil
	}
	target := h.target(req, route)
	if !counted || owner.PartnerID == "" || !owner.Active || (invitedBy != "" && owner.PartnerID != invitedBy) {
		return found(target.URL()), nil
	}
	// An archived link still lands on its target; its clicks count for
	// the code itself, so the link's numbers stay as they were.
	click := dynamo.Click{PartnerID: owner.PartnerID, At: now}
	sid := req.QueryStringParameters.Sid
	if route.LinkID != "" {
		sid = referral.ClickSid(sid, route.Sid)
		if !route.Archived {
			click.LinkID = route.LinkID
		}
	}
	if !referral.ValidSid(sid) {
		sid = ""
	}

	// A visitor who already has a valid cookie keeps its visitor id and
	// first partner, and no cookie is set: the click is counted, and its
	// uniqueness decided on the visitor's first-touch item, together.
	if first, ok := h.cookies.FromCookies(req.Cookies, now); ok {
		side := &sideCall{store: h.store, ctx: ctx, click: click, visitorID: first.VisitorID}
		side.wg.Add(1)
		go side.run()
		err := h.store.CountClick(ctx, click)
		side.wg.Wait()
		if uniqueErr := side.err; uniqueErr != nil {
			// The click stands; only its uniqueness is unknown.
			h.log.WarnContext(ctx, "unique click not decided", "error", uniqueErr.Error())
		}
		if err != nil {
			h.log.ErrorContext(ctx, "click not recorded", "error", err.Error())
			return found(target.URL()), nil
		}
		metrics.Count(metrics.Clicks, 1)
		return found(target.WithVisitor(first.VisitorID)), nil
	}

	// A new visitor's click is unique by definition.
	click.Unique = true
	touch := referral.Touch{VisitorID: referral.NewVisitorID(), PartnerID: owner.PartnerID, At: now.UTC().Truncate(time.Millisecond),
		LinkID: click.LinkID, Sid: sid}
	// Both writes go out together: one round trip of latency.
	side := &sideCall{store: h.store, ctx: ctx, click: click}
	side.wg.Add(1)
	go side.run()
	winner, _, touchErr := h.store.RecordFirstTouch(ctx, touch, h.cookies.MaxAge)
	side.wg.Wait()
	if err := errors.Join(side.err, touchErr); err != nil {
		h.log.ErrorContext(ctx, "click not recorded", "error", err.Error())
		return found(target.URL()), nil
	}
	metrics.Count(metrics.Clicks, 1)
	resp := found(target.WithVisitor(winner.VisitorID))
	resp.Cookies = []string{h.cookies.SetCookie(winner)}
	return resp, nil
}

// sideCall is the store write a redirect sends alongside its own, on
// another goroutine: counting the click (a new visitor), or deciding a
// returning visitor's unique click (visitorID set). One allocation holds
// it all, where a closure would take several.
type sideCall struct {
	wg        sync.WaitGroup
	store     Store
	ctx       context.Context
	click     dynamo.Click
	visitorID string
	err       error
}

func (c *sideCall) run() {
	defer c.wg.Done()
	if c.visitorID != "" {
		_, c.err = c.store.CountRepeatClick(c.ctx, c.visitorID, c.click)
		return
	}
	c.err = c.store.CountClick(c.ctx, c.click)
}

// target is where the request lands: a promo link's own target (else the
// request's ?to=) with the request's parameters passed on, and the link's
// sub-id when the request carries none.
func (h *Handler) target(req Request, route dynamo.LinkRoute) referral.Target {
	to := req.QueryStringParameters.To
	if route.To != "" {
		to = route.To
	}
	t := h.redirects.Resolve(to).WithParams(req.RawQueryString)
	if route.Sid != "" && req.QueryStringParameters.Sid == "" {
		t = t.WithParams("sid=" + route.Sid)
	}
	return t
}

// owner looks a code (and a promo link's slug) up through the cache. A
// code nobody owns comes back as a zero CodeOwner, a slug the code lacks
// as a zero LinkRoute.
func (h *Handler) owner(ctx context.Context, code, slug string, now time.Time) (partner.CodeOwner, dynamo.LinkRoute, error) {
	k := code
	if slug != "" {
		k = code + "/" + slug
	}
	if e, ok := h.cache.get(k, now); ok {
		return e.owner, e.route, nil
	}
	var (
		owner partner.CodeOwner
		route dynamo.LinkRoute
		err   error
	)
	if slug == "" {
		owner, err = h.store.CodeOwner(ctx, code)
	} else {
		owner, route, err = h.store.LinkRoute(ctx, code, slug)
	}
	switch {
	case errors.Is(err, dynamo.ErrNotFound):
		h.cache.put(k, partner.CodeOwner{}, dynamo.LinkRoute{}, now)
		return partner.CodeOwner{}, dynamo.LinkRoute{}, nil
	case err != nil:
		return partner.CodeOwner{}, dynamo.LinkRoute{}, err
	}
	h.cache.put(k, owner, route, now)
	return owner, route, nil
}
