package partners

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"partnerkit/shared/activity"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/httpapi"
	"partnerkit/shared/numbers"
	"partnerkit/shared/partner"
	"partnerkit/shared/referral"
	"partnerkit/shared/validate"
)

// LinkStore is what the promo link routes need of the store.
type LinkStore interface {
	CreateLink(ctx context.Context, code string, l dynamo.Link) error
	Link(ctx context.Context, partnerID, linkID string) (dynamo.Link, error)
	UpdateLink(ctx context.Context, code string, old, next dynamo.Link) error
	LinksPage(ctx context.Context, partnerID string, pg dynamo.Page) ([]dynamo.Link, string, error)
	LinkNumbers(ctx context.Context, partnerID string, linkIDs []string, r activity.Range, now time.Time) (map[string]map[string]numbers.Numbers, error)
	SidNumbers(ctx context.Context, partnerID string, r activity.Range) (map[string]numbers.Numbers, error)
}

var _ LinkStore = (*dynamo.Store)(nil)

// TopSubIDs is how many sub-ids a link list reports.
const TopSubIDs = 10

// LinkStats are a link's numbers over a range; rates are null without
// unique clicks (or signups) to divide by.
type LinkStats struct {
	Clicks       int64            `json:"clicks"`
	UniqueClicks int64            `json:"unique_clicks"`
	Signups      int64            `json:"signups"`
	Customers    int64            `json:"customers"`
	Earned       map[string]int64 `json:"earned"`
	SignupRate   *float64         `json:"signup_rate"`
	CustomerRate *float64         `json:"customer_rate"`
}

func statsOf(n numbers.Numbers) LinkStats {
	earned := n.Earned
	if earned == nil {
		earned = map[string]int64{}
	}
	return LinkStats{Clicks: n.Clicks, UniqueClicks: n.Unique, Signups: n.Signups, Customers: n.Customers, Earned: earned,
		SignupRate: n.SignupRate(), CustomerRate: n.CustomerRate()}
}

// LinkJSON is a promo link as the API shows it.
type LinkJSON struct {
	LinkID    string     `json:"link_id"`
	Name      string     `json:"name"`
	URL       string     `json:"url"`
	Slug      string     `json:"slug,omitempty"`
	To        string     `json:"to,omitempty"`
	Sid       string     `json:"sid,omitempty"`
	Archived  bool       `json:"archived"`
	CreatedAt string     `json:"created_at,omitempty"`
	Stats     *LinkStats `json:"stats,omitempty"`
}

func (h *Handler) linkJSON(code string, l dynamo.Link) LinkJSON {
	return LinkJSON{LinkID: l.ID, Name: l.Name, URL: h.BaseURL + "/r/" + code + "/" + l.Slug, Slug: l.Slug, To: l.To, Sid: l.Sid,
		Archived: l.Archived, CreatedAt: l.CreatedAt.UTC().Format(time.RFC3339Nano)}
}

// defaultLink is the code itself, listed with the links.
func (h *Handler) defaultLink(p partner.Partner) LinkJSON {
	return LinkJSON{LinkID: referral.DefaultLink, Name: "Referral link", URL: h.BaseURL + "/r/" + p.Code}
}

type createLinkRequest struct {
	Name *string `json:"name"`
	To   *string `json:"to"`
	Sid  *string `json:"sid"`
	Slug *string `json:"slug"`
}

func (h *Handler) createLink(ctx context.Context, req *events.APIGatewayV2HTTPRequest, caller httpapi.Caller) (events.APIGatewayV2HTTPResponse, error) {
	var in createLinkRequest
	if err := httpapi.DecodeBody(req, &in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	var l dynamo.Link
	if in.Name != nil {
		l.Name = strings.TrimSpace(*in.Name)
	}
	if l.Name == "" || validate.Name(l.Name) != nil {
		return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeInvalidRequest,
			"name is required: at most %d characters on one line, without control or invisible formatting characters.", validate.MaxNameLen)
	}
	if in.To != nil && *in.To != "" {
		l.To = strings.TrimSpace(*in.To)
		if h.Redirects == nil || !h.Redirects.Allowed(l.To) {
			return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeInvalidRequest,
				"to must be a path like /pricing or an https URL on the landing host or an allowed host.")
		}
	}
	if in.Sid != nil && *in.Sid != "" {
		if !referral.ValidSid(*in.Sid) {
			return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeInvalidRequest, "sid: %s.", referral.ErrSidFormat)
		}
		l.Sid = *in.Sid
	}
	chosen := in.Slug != nil && *in.Slug != ""
	if chosen {
		slug, err := referral.NormalizeSlug(*in.Slug)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeInvalidRequest, "slug: %s.", err)
		}
		l.Slug = slug
	}
	p, err := h.lookup(ctx, req.PathParameters["id"], caller)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if !chosen {
		l.Slug = referral.SlugFrom(l.Name)
	}
	l.PartnerID, l.CreatedAt = p.ID, h.Now().UTC()
	// A derived slug that is taken gets a random suffix; an id collision
	// draws a new id.
	for attempt := 0; ; attempt++ {
		l.ID = referral.NewLinkID(l.CreatedAt)
		if l.Slug == "" || (!chosen && attempt > 0) {
			base := referral.SlugFrom(l.Name)
			if base == "" {
				base = "link"
			}
			l.Slug = base + "-" + referral.NewSlugSuffix()
		}
		err = h.Store.CreateLink(ctx, p.Code, l)
		switch {
		case err == nil:
			return httpapi.JSON(http.StatusCreated, h.linkJSON(p.Code, l)), nil
		case errors.Is(err, dynamo.ErrSlugTaken) && chosen:
			return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeConflict, "You already have a link with the slug %q; choose another.", l.Slug)
		case errors.Is(err, dynamo.ErrLinkLimit):
			return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeConflict,
				"A partner may have %d active links and %d in all; archive one first.", referral.MaxActiveLinks, referral.MaxLinks)
		case (errors.Is(err, dynamo.ErrSlugTaken) || errors.Is(err, dynamo.ErrLinkIDTaken)) && attempt < 4:
		default:
			return events.APIGatewayV2HTTPResponse{}, err
		}
	}
}

type patchLinkRequest struct {
	Name     *string `json:"name"`
	Archived *bool   `json:"archived"`
}

func (h *Handler) patchLink(ctx context.Context, req *events.APIGatewayV2HTTPRequest, caller httpapi.Caller) (events.APIGatewayV2HTTPResponse, error) {
	var in patchLinkRequest
	if err := httpapi.DecodeBody(req, &in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if in.Name == nil && in.Archived == nil {
		return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeInvalidRequest, "Send name, archived or both.")
	}
	if in.Name != nil {
		if n := strings.TrimSpace(*in.Name); n == "" || validate.Name(n) != nil {
			return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeInvalidRequest,
				"name must be 1 to %d characters on one line, without control or invisible formatting characters.", validate.MaxNameLen)
		}
	}
	p, l, err := h.partnerLink(ctx, req, caller)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	next := l
	if in.Name != nil {
		next.Name = strings.TrimSpace(*in.Name)
	}
	if in.Archived != nil {
		next.Archived = *in.Archived
	}
	if err := h.Store.UpdateLink(ctx, p.Code, l, next); err != nil {
		if errors.Is(err, dynamo.ErrLinkLimit) {
			return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeConflict,
				"A partner may have %d active links; archive one before restoring this one.", referral.MaxActiveLinks)
		}
		if dynamo.Contended(err) {
			return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeConflict, "The link changed meanwhile; read it again.")
		}
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return httpapi.JSON(http.StatusOK, h.linkJSON(p.Code, next)), nil
}

// partnerLink finds the caller's partner and the link of the path.
func (h *Handler) partnerLink(ctx context.Context, req *events.APIGatewayV2HTTPRequest, caller httpapi.Caller) (partner.Partner, dynamo.Link, error) {
	id := req.PathParameters["link_id"]
	if !referral.ValidLinkID(id) || id == referral.DefaultLink {
		return partner.Partner{}, dynamo.Link{}, httpapi.Errorf(httpapi.CodeNotFound, "No such link.")
	}
	p, err := h.lookup(ctx, req.PathParameters["id"], caller)
	if err != nil {
		return p, dynamo.Link{}, err
	}
	l, err := h.Store.Link(ctx, p.ID, id)
	if errors.Is(err, dynamo.ErrNotFound) {
		return p, l, httpapi.Errorf(httpapi.CodeNotFound, "No such link.")
	}
	return p, l, err
}

func rangeOf(req *events.APIGatewayV2HTTPRequest, now time.Time) (activity.Range, error) {
	r, err := activity.ParseRange(req.QueryStringParameters["from"], req.QueryStringParameters["to"], now)
	if err != nil {
		return r, httpapi.Errorf(httpapi.CodeInvalidRequest,
			"from and to are dates like 2026-12-03, from not after to, at most %d days apart (inclusive).", activity.MaxDays)
	}
	return r, nil
}

// SubID is a sub-id's numbers over a range.
type SubID struct {
	Sid string `json:"sid"`
	LinkStats
}

// linkList is GET /partners/{id}/links.
type linkList struct {
	From       string     `json:"from"`
	To         string     `json:"to"`
	Default    LinkJSON   `json:"default"`
	Links      []LinkJSON `json:"links"`
	SubIDs     []SubID    `json:"sub_ids"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

func (h *Handler) listLinks(ctx context.Context, req *events.APIGatewayV2HTTPRequest, caller httpapi.Caller) (events.APIGatewayV2HTTPResponse, error) {
	now := h.Now()
	r, err := rangeOf(req, now)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	pg, err := pageOf(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	p, err := h.lookup(ctx, req.PathParameters["id"], caller)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	links, next, err := h.Store.LinksPage(ctx, p.ID, pg)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, listError(err)
	}
	ids := []string{referral.DefaultLink}
	for _, l := range links {
		ids = append(ids, l.ID)
	}
	byLink, err := h.Store.LinkNumbers(ctx, p.ID, ids, r, now)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if wantsCSV(req.Headers["accept"]) {
		return h.linksCSV(req, p, links, byLink, r, next)
	}
	sids, err := h.Store.SidNumbers(ctx, p.ID, r)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	out := linkList{From: r.From.Format(activity.DateFormat), To: r.To.Format(activity.DateFormat),
		Default: h.defaultLink(p), Links: make([]LinkJSON, 0, len(links)), SubIDs: []SubID{}, NextCursor: next}
	st := statsOf(numbers.Sum(byLink[referral.DefaultLink]))
	out.Default.Stats = &st
	for _, l := range links {
		j := h.linkJSON(p.Code, l)
		st := statsOf(numbers.Sum(byLink[l.ID]))
		j.Stats = &st
		out.Links = append(out.Links, j)
	}
	for _, t := range numbers.Top(sids, TopSubIDs) {
		out.SubIDs = append(out.SubIDs, SubID{Sid: t.Name, LinkStats: statsOf(t.Numbers)})
	}
	return httpapi.JSON(http.StatusOK, out), nil
}

// linksCSV is one row per link (the code itself first, on the first page)
// and day of the range, zeros included, earnings in one column per
// currency found.
func (h *Handler) linksCSV(req *events.APIGatewayV2HTTPRequest, p partner.Partner, links []dynamo.Link, byLink map[string]map[string]numbers.Numbers, r activity.Range, next string) (events.APIGatewayV2HTTPResponse, error) {
	rows := make([]LinkJSON, 0, len(links)+1)
	if req.QueryStringParameters["cursor"] == "" {
		rows = append(rows, h.defaultLink(p))
	}
	for _, l := range links {
		rows = append(rows, h.linkJSON(p.Code, l))
	}
	var currencies []string
	for _, days := range byLink {
		for _, n := range days {
			for c := range n.Earned {
				if !slices.Contains(currencies, c) {
					currencies = append(currencies, c)
				}
			}
		}
	}
	slices.Sort(currencies)
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	header := []string{"date", "link_id", "name", "url", "sid", "archived", "clicks", "unique_clicks", "signups", "customers"}
	for _, c := range currencies {
		header = append(header, "earned_"+c)
	}
	w.Write(header)
	for _, l := range rows {
		for d := r.From; !d.After(r.To); d = d.AddDate(0, 0, 1) {
			date := d.Format(activity.DateFormat)
			n := byLink[l.LinkID][date]
			row := []string{date, l.LinkID, cell(l.Name), l.URL, cell(l.Sid), strconv.FormatBool(l.Archived),
				strconv.FormatInt(n.Clicks, 10), strconv.FormatInt(n.Unique, 10), strconv.FormatInt(n.Signups, 10), strconv.FormatInt(n.Customers, 10)}
			for _, c := range currencies {
				row = append(row, strconv.FormatInt(n.Earned[c], 10))
			}
			w.Write(row)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	resp := events.APIGatewayV2HTTPResponse{StatusCode: http.StatusOK, Body: b.String(), Headers: map[string]string{
		"Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
		"Content-Disposition": `attachment; filename="links-` + r.From.Format(activity.DateFormat) + "-" + r.To.Format(activity.DateFormat) + `.csv"`,
	}}
	if next != "" {
		resp.Headers["Link"] = "<" + nextLink(req, next) + `>; rel="next"`
	}
	return resp, nil
}

// LinkDay is one day of a link's numbers.
type LinkDay struct {
	Date string `json:"date"`
	LinkStats
}

func (h *Handler) linkActivity(ctx context.Context, req *events.APIGatewayV2HTTPRequest, caller httpapi.Caller) (events.APIGatewayV2HTTPResponse, error) {
	now := h.Now()
	r, err := rangeOf(req, now)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	var p partner.Partner
	id := req.PathParameters["link_id"]
	if id == referral.DefaultLink {
		p, err = h.lookup(ctx, req.PathParameters["id"], caller)
	} else {
		p, _, err = h.partnerLink(ctx, req, caller)
	}
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	byLink, err := h.Store.LinkNumbers(ctx, p.ID, []string{id}, r, now)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	days := make([]LinkDay, 0, r.Len())
	for d := r.From; !d.After(r.To); d = d.AddDate(0, 0, 1) {
		date := d.Format(activity.DateFormat)
		days = append(days, LinkDay{Date: date, LinkStats: statsOf(byLink[id][date])})
	}
	return httpapi.JSON(http.StatusOK, struct {
		LinkID string    `json:"link_id"`
		Days   []LinkDay `json:"days"`
	}{id, days}), nil
}
