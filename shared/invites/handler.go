package invites

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/smithy-go"

	"partnerkit/shared/access"
	"partnerkit/shared/backoff"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/email"
	"partnerkit/shared/emailaddr"
	"partnerkit/shared/httpapi"
	"partnerkit/shared/metrics"
	"partnerkit/shared/partner"
	"partnerkit/shared/referral"
	"partnerkit/shared/unsubscribe"
)

// Route is the one route this handler serves.
const Route = "POST /partners/{id}/invites"

// Store is what sending invites needs of the store.
type Store interface {
	PartnerBySubject(ctx context.Context, sub string) (partner.Partner, error)
	Partner(ctx context.Context, id string) (partner.Partner, error)
	LookupInvites(ctx context.Context, partnerID, day string, hashes []string) (dynamo.InviteLookup, error)
	ClaimInviteQuota(ctx context.Context, partnerID, day string, want, limit, sentHint int) (int, error)
	ReleaseInviteQuota(ctx context.Context, partnerID, day string, n int) error
	RecordInviteTouch(ctx context.Context, emailHash, partnerID string, at time.Time) (dynamo.PartnerTouch, bool, error)
	DeleteInviteTouch(ctx context.Context, emailHash, partnerID string, at time.Time) error
}

var _ Store = (*dynamo.Store)(nil)

// Sender sends one email and returns its message id; any error means it
// was not sent.
type Sender interface {
	Send(ctx context.Context, m email.Message) (string, error)
}

var _ Sender = (*email.SES)(nil)

// DefaultConcurrency is how many invites of one request are sent at once:
// enough to answer 25 addresses quickly, few enough to stay under SES's
// per-second sending rate.
const DefaultConcurrency = 4

// cleanupTimeout bounds the writes that undo a failed send; they run even
// when the request's own context has ended.
const cleanupTimeout = 3 * time.Second

// Handler serves POST /partners/{id}/invites. It is safe for concurrent use.
type Handler struct {
	Store        Store
	Sender       Sender
	Hasher       *emailaddr.Hasher
	Invites      *referral.InviteTokens
	Unsubscribes *unsubscribe.Tokens
	// BaseURL is PUBLIC_BASE_URL; Site the host of LANDING_URL, as the
	// email names the SaaS; From is FROM_EMAIL.
	BaseURL string
	Site    string
	From    string
	// PerDay is INVITES_PER_DAY, per partner and UTC day.
	PerDay int
	// Concurrency is how many sends run at once (DefaultConcurrency when 0).
	Concurrency int
	Now         func() time.Time
	Log         *slog.Logger
}

// Handle answers one HTTP API request; errors become the contract's JSON.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	resp, err := h.handle(ctx, &req)
	if err != nil {
		return httpapi.ErrorResponse(ctx, h.Log, err), nil
	}
	return httpapi.JSON(http.StatusOK, resp), nil
}

func (h *Handler) handle(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (Response, error) {
	// Oversize bodies are refused first (section 2).
	if _, err := httpapi.Body(req); err != nil {
		return Response{}, err
	}
	caller, err := httpapi.CallerOf(req)
	if err != nil {
		return Response{}, err
	}
	if req.RouteKey != Route {
		return Response{}, httpapi.Errorf(httpapi.CodeNotFound, "No such route.")
	}
	p, err := h.partner(ctx, req.PathParameters["id"], caller)
	if err != nil {
		return Response{}, err
	}
	var in Request
	if err := httpapi.DecodeBody(req, &in); err != nil {
		return Response{}, err
	}
	message, err := in.Validate()
	if err != nil {
		return Response{}, err
	}
	return h.send(ctx, p, in.Emails, message)
}

// partner finds the partner the caller acts for (package access);
// suspended partners send no invites.
func (h *Handler) partner(ctx context.Context, id string, caller httpapi.Caller) (partner.Partner, error) {
	p, err := access.Partner(ctx, h.Store, id, caller)
	if err != nil {
		return p, err
	}
	if p.Status != partner.StatusActive {
		return p, httpapi.Errorf(httpapi.CodeForbidden, "A suspended partner cannot send invites.")
	}
	return p, nil
}

// address is one requested address on its way to a status.
type address struct {
	norm   string // normalized; "" when invalid
	hash   string
	status string
}

// send decides every address's status and sends the invites: see the
// package documentation for the order of writes.
func (h *Handler) send(ctx context.Context, p partner.Partner, emails []string, message string) (Response, error) {
	now := h.Now().UTC().Truncate(time.Millisecond)
	day := dynamo.InviteDay(now)
	self, _ := emailaddr.Normalize(p.Email)

	// invalid, duplicate and self need no store.
	addrs := make([]address, len(emails))
	seen := make(map[string]bool, len(emails))
	var hashes []string
	for i, raw := range emails {
		norm, err := emailaddr.Normalize(raw)
		switch {
		case err != nil:
			addrs[i].status = StatusInvalid
			continue
		case seen[norm]:
			addrs[i] = address{norm: norm, status: StatusDuplicate}
			continue
		case norm == self:
			addrs[i] = address{norm: norm, status: StatusSelf}
		default:
			addrs[i] = address{norm: norm, hash: h.Hasher.Hash(norm)}
			hashes = append(hashes, addrs[i].hash)
		}
		seen[norm] = true
	}

	// suppressed and already_referred: one batch read, with today's count.
	var pending []int
	if len(hashes) > 0 {
		lk, err := h.Store.LookupInvites(ctx, p.ID, day, hashes)
		if err != nil {
			return Response{}, err
		}
		for i := range addrs {
			a := &addrs[i]
			switch {
			case a.status != "":
			case lk.Suppressed[a.hash]:
				a.status = StatusSuppressed
			case invited(lk, a.hash):
				a.status = StatusAlreadyReferred
			default:
				pending = append(pending, i)
			}
		}
		if len(pending) > 0 {
			if err := h.sendPending(ctx, p, self, message, addrs, pending, day, now, lk.SentToday); err != nil {
				return Response{}, err
			}
		}
	}

	resp := Response{Results: make([]Result, len(addrs))}
	counts := map[string]int{}
	for i, a := range addrs {
		shown := a.norm
		if a.status == StatusInvalid {
			shown = emails[i]
		}
		resp.Results[i] = Result{Email: shown, Status: a.status}
		counts[a.status]++
	}
	for status, n := range counts {
		metrics.CountBy(metrics.Invites, metrics.Status, status, n)
	}
	h.Log.InfoContext(ctx, "invites handled", "partner_id", p.ID, "sent", counts[StatusSent], "failed", counts[StatusFailed],
		"quota_exceeded", counts[StatusQuotaExceeded], "already_referred", counts[StatusAlreadyReferred], "suppressed", counts[StatusSuppressed])
	return resp, nil
}

func invited(lk dynamo.InviteLookup, hash string) bool {
	_, ok := lk.Invited[hash]
	return ok
}

// sendPending sends the invites that only the quota may still stop. It
// claims slots for as many as the day allows in one conditional
// increment; slots go to addresses in request order, and a slot an
// address gave back (lost touch, failed send) goes to the next address.
// Unused slots are given back at the end.
func (h *Handler) sendPending(ctx context.Context, p partner.Partner, replyTo, message string, addrs []address, pending []int, day string, now time.Time, sentToday int) error {
	slots, err := h.Store.ClaimInviteQuota(ctx, p.ID, day, len(pending), h.PerDay, sentToday)
	if err != nil {
		return err
	}
	next := 0
	for next < len(pending) && slots > 0 {
		wave := pending[next : next+min(slots, len(pending)-next)]
		next += len(wave)
		slots -= len(wave)
		h.sendWave(ctx, p, replyTo, message, addrs, wave, now)
		for _, i := range wave {
			if addrs[i].status != StatusSent {
				slots++
			}
		}
	}
	for _, i := range pending[next:] {
		addrs[i].status = StatusQuotaExceeded
	}
	if slots > 0 {
		cctx, cancel := cleanupContext(ctx)
		defer cancel()
		if err := h.Store.ReleaseInviteQuota(cctx, p.ID, day, slots); err != nil {
			h.Log.ErrorContext(ctx, "unused invite quota not given back", "partner_id", p.ID, "slots", slots, "error", err.Error())
		}
	}
	return nil
}

// sendWave sends the invites of wave, each holding a quota slot, a few at
// a time, and sets their statuses.
func (h *Handler) sendWave(ctx context.Context, p partner.Partner, replyTo, message string, addrs []address, wave []int, now time.Time) {
	limit := h.Concurrency
	if limit <= 0 {
		limit = DefaultConcurrency
	}
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for _, i := range wave {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			addrs[i].status = h.sendOne(ctx, p, replyTo, message, addrs[i], now)
		}()
	}
	wg.Wait()
}

// sendOne claims the address's invite touch and sends the invite. When
// the send fails, the touch is deleted again: nothing is kept.
func (h *Handler) sendOne(ctx context.Context, p partner.Partner, replyTo, message string, a address, now time.Time) string {
	_, won, err := h.Store.RecordInviteTouch(ctx, a.hash, p.ID, now)
	if err != nil {
		h.Log.ErrorContext(ctx, "invite touch not recorded", "partner_id", p.ID, "email_hash", a.hash, "error", err.Error())
		// The write may have landed before the error: undo it if so.
		h.undoTouch(ctx, p, a, now)
		return StatusFailed
	}
	if !won {
		return StatusAlreadyReferred
	}
	m, err := h.compose(p, replyTo, a.norm, a.hash, message)
	if err == nil {
		_, err = h.Sender.Send(ctx, m)
	}
	if err != nil {
		// SES's message may name the recipient: log its code only.
		h.Log.WarnContext(ctx, "invite not sent", "partner_id", p.ID, "email_hash", a.hash, "error", errorCode(err))
		h.undoTouch(ctx, p, a, now)
		return StatusFailed
	}
	return StatusSent
}

// undoTouch deletes the invite touch this request recorded, retrying a
// little: a touch left behind would mark the address already_referred
// without an invite ever sent.
func (h *Handler) undoTouch(ctx context.Context, p partner.Partner, a address, at time.Time) {
	cctx, cancel := cleanupContext(ctx)
	defer cancel()
	var err error
	for attempt := 0; ; attempt++ {
		if err = h.Store.DeleteInviteTouch(cctx, a.hash, p.ID, at); err == nil {
			return
		}
		if backoff.Default.Wait(cctx, attempt) != nil {
			break
		}
	}
	h.Log.ErrorContext(ctx, "invite touch of an unsent invite not deleted", "partner_id", p.ID, "email_hash", a.hash, "error", err.Error())
}

// cleanupContext keeps ctx's values but not its deadline or cancellation,
// bounded by cleanupTimeout.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
}

// errorCode names an error without its text, which may carry an address.
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return fmt.Sprintf("%T", err)
}
