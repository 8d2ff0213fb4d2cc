package signup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"partnerkit/shared/attribution"
	"partnerkit/shared/backoff"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/emailaddr"
	"partnerkit/shared/httpapi"
	"partnerkit/shared/metrics"
	"partnerkit/shared/partner"
	"partnerkit/shared/webhook"
)

// Store is what the signup webhook needs of the store.
type Store interface {
	LookupSignup(ctx context.Context, k dynamo.SignupKeys) (dynamo.SignupLookup, error)
	Partners(ctx context.Context, ids []string) (map[string]partner.Partner, error)
	SaveAttribution(ctx context.Context, d attribution.Decision, s attribution.Signup, emailHash string, resp dynamo.WebhookResponse, now time.Time) (attribution.Decision, bool, dynamo.WebhookResponse, error)
	SaveWebhookResponse(ctx context.Context, r dynamo.WebhookResponse, now time.Time) (dynamo.WebhookResponse, error)
	FirstResponse(ctx context.Context, endpoint, id string) (dynamo.WebhookResponse, bool, error)
}

var _ Store = (*dynamo.Store)(nil)

// Endpoint names this webhook's idempotency records.
const Endpoint = "signup"

// Handler serves POST /webhooks/signup. It is safe for concurrent use.
type Handler struct {
	Store    Store
	Verifier *webhook.Verifier
	Hasher   *emailaddr.Hasher
	// Window is COOKIE_DAYS: touches older than this before created_at
	// are out of window.
	Window time.Duration
	Now    func() time.Time
	Log    *slog.Logger
}

// Handle answers one delivery; errors become the contract's JSON.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	resp, err := h.handle(ctx, &req)
	if err != nil {
		return httpapi.ErrorResponse(ctx, h.Log, err), nil
	}
	return resp, nil
}

func (h *Handler) handle(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	id, body, err := h.Verifier.Open(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	hash := dynamo.BodyHash(body)
	now := h.Now()
	ev, err := Decode(body, now)
	if err != nil {
		// A webhook-id already answered is judged by its first body, not
		// by this one's parse: replay comes before parsing. Only refused
		// bodies pay for this extra read.
		w, seen, lerr := h.Store.FirstResponse(ctx, Endpoint, id)
		if lerr != nil {
			return events.APIGatewayV2HTTPResponse{}, lerr
		}
		if seen {
			return replay(id, hash, w)
		}
		return events.APIGatewayV2HTTPResponse{}, err
	}
	rec := Recorder{Store: h.Store, Hasher: h.Hasher, Window: h.Window}
	w, err := rec.Record(ctx, dynamo.WebhookResponse{Endpoint: Endpoint, ID: id, BodyHash: hash}, ev, now)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return replay(id, hash, w)
}

// Recorder turns a checked signup into its customer's attribution: the one
// path of every webhook that reports signups (this one and Stripe's), so
// they decide alike. It is safe for concurrent use.
type Recorder struct {
	Store  Store
	Hasher *emailaddr.Hasher
	// Window is COOKIE_DAYS: touches older than this before created_at
	// are out of window.
	Window time.Duration
}

// Record attributes ev once and returns the response kept for the
// delivery that key names (its Endpoint, ID and BodyHash): that
// delivery's first response if it was handled before, else the
// customer's attribution, decided now or by an earlier delivery. Writes
// lost to concurrent ones are retried within ctx.
func (r *Recorder) Record(ctx context.Context, key dynamo.WebhookResponse, ev Event, now time.Time) (dynamo.WebhookResponse, error) {
	emailHash := ""
	if ev.Email != "" {
		// Stripe customers may have no email: then no invite can match.
		emailHash = r.Hasher.Hash(ev.Email)
	}
	for attempt := 0; ; attempt++ {
		w, err := r.attribute(ctx, key, ev, emailHash, now)
		if err == nil {
			return w, nil
		}
		if !dynamo.Contended(err) {
			return dynamo.WebhookResponse{}, err
		}
		// A transaction lost to a concurrent one on the same customer:
		// the next attempt reads the winner.
		if err := backoff.Default.Wait(ctx, attempt); err != nil {
			return dynamo.WebhookResponse{}, fmt.Errorf("signup: attributing %s: %w", ev.CustomerID, err)
		}
	}
}

// replay answers w, the response stored under id, unless it was stored for
// another body than the one hashing to hash. Every response this
// delivery saves carries its hash, so only another delivery's is refused.
func replay(id string, hash []byte, w dynamo.WebhookResponse) (events.APIGatewayV2HTTPResponse, error) {
	if !w.Answers(hash) {
		return events.APIGatewayV2HTTPResponse{}, webhook.Reused(id)
	}
	return webhook.Reply(w.Status, w.Body), nil
}

// attribute returns the response to give: the delivery's first response,
// the customer's existing attribution, or a new decision, saved.
func (r *Recorder) attribute(ctx context.Context, key dynamo.WebhookResponse, ev Event, emailHash string, now time.Time) (dynamo.WebhookResponse, error) {
	lk, err := r.Store.LookupSignup(ctx, dynamo.SignupKeys{
		Endpoint: key.Endpoint, WebhookID: key.ID, CustomerID: ev.CustomerID, VisitorID: ev.VisitorID, EmailHash: emailHash, Code: ev.Code,
	})
	if err != nil {
		return dynamo.WebhookResponse{}, err
	}
	if lk.Replay != nil {
		return *lk.Replay, nil
	}
	if lk.Existing != nil {
		return r.Store.SaveWebhookResponse(ctx, response(key, *lk.Existing), now)
	}

	var touches []attribution.Touch
	if lk.Click != nil {
		touches = append(touches, attribution.Touch{Source: attribution.SourceClick, PartnerID: lk.Click.PartnerID, At: lk.Click.At,
			LinkID: lk.Click.LinkID, Sid: lk.Click.Sid})
	}
	if lk.Invite != nil {
		touches = append(touches, attribution.Touch{Source: attribution.SourceInvite, PartnerID: lk.Invite.PartnerID, At: lk.Invite.At})
	}
	if lk.Code != nil {
		touches = append(touches, attribution.Touch{Source: attribution.SourceCode, PartnerID: lk.Code.PartnerID, At: ev.CreatedAt})
	}
	var partners map[string]partner.Partner
	if len(touches) > 0 {
		ids := make([]string, len(touches))
		for i, t := range touches {
			ids[i] = t.PartnerID
		}
		// Whose email (self-referrals) and who is suspended now: a
		// suspension skips touches recorded before it, too.
		partners, err = r.Store.Partners(ctx, ids)
		if err != nil {
			return dynamo.WebhookResponse{}, err
		}
		for i := range touches {
			p := partners[touches[i].PartnerID]
			touches[i].PartnerEmail, _ = emailaddr.Normalize(p.Email)
			touches[i].Suspended = p.Status == partner.StatusSuspended
		}
	}
	signup := attribution.Signup{CustomerID: ev.CustomerID, Email: ev.Email, CreatedAt: ev.CreatedAt, AsPartner: lk.AsPartner}
	d := attribution.Decide(signup, touches, r.Window)
	if d.Attributed {
		// The winner's recruiter earns the second tier on this customer,
		// unless the customer is that recruiter itself: no partner earns
		// on its own payments, and the winner, recruited by this customer,
		// does not become its recruiter in turn (each would earn on the
		// other).
		switch up := partners[d.PartnerID].ReferredBy; {
		case up != "" && up == signup.AsPartner:
			signup.AsPartner = ""
		case up != d.PartnerID:
			d.Upline = up
		}
	}

	saved, ok, w, err := r.Store.SaveAttribution(ctx, d, signup, emailHash, response(key, d), now)
	switch {
	case errors.Is(err, dynamo.ErrWebhookReplayed):
		return w, nil
	case err != nil:
		return dynamo.WebhookResponse{}, err
	case ok && d.Attributed:
		metrics.CountBy(metrics.Attributions, metrics.Source, d.Source, 1)
		return w, nil
	case ok:
		return w, nil
	}
	// Another delivery attributed this customer first: answer with its
	// decision, and keep that as this delivery's response.
	return r.Store.SaveWebhookResponse(ctx, response(key, saved), now)
}

// response is key with d as its answer.
func response(key dynamo.WebhookResponse, d attribution.Decision) dynamo.WebhookResponse {
	body, err := json.Marshal(Result(d, false))
	if err != nil {
		panic("signup: encoding a result: " + err.Error())
	}
	key.Status, key.Body = http.StatusOK, string(body)
	return key
}
