package partners

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"partnerkit/shared/activity"
	"partnerkit/shared/httpapi"
	"partnerkit/shared/numbers"
)

// NumbersStore is what the admin's program numbers need of the store.
type NumbersStore interface {
	ProgramNumbers(ctx context.Context, r activity.Range, now time.Time) (map[string]numbers.Numbers, map[string]numbers.Numbers, error)
}

// TopPartners is how many partners the program numbers rank.
const TopPartners = 10

// ProgramDay is one day of the whole program.
type ProgramDay struct {
	Date         string           `json:"date"`
	Clicks       int64            `json:"clicks"`
	UniqueClicks int64            `json:"unique_clicks"`
	Signups      int64            `json:"signups"`
	Customers    int64            `json:"customers"`
	Earned       map[string]int64 `json:"earned"`
}

// TopPartner is a partner ranked by signups over the range, with its
// clicks over the same days.
type TopPartner struct {
	PartnerID    string           `json:"partner_id"`
	Code         string           `json:"code"`
	Name         string           `json:"name,omitempty"`
	Clicks       int64            `json:"clicks"`
	UniqueClicks int64            `json:"unique_clicks"`
	Signups      int64            `json:"signups"`
	Customers    int64            `json:"customers"`
	Earned       map[string]int64 `json:"earned"`
	SignupRate   *float64         `json:"signup_rate"`
	CustomerRate *float64         `json:"customer_rate"`
}

func moneyOrEmpty(m map[string]int64) map[string]int64 {
	if m == nil {
		return map[string]int64{}
	}
	return m
}

func (h *Handler) programNumbers(ctx context.Context, req *events.APIGatewayV2HTTPRequest, caller httpapi.Caller) (events.APIGatewayV2HTTPResponse, error) {
	if !caller.Admin {
		return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeForbidden, "Only an admin may read the program's numbers.")
	}
	now := h.Now()
	r, err := rangeOf(req, now)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	byDate, byPartner, err := h.Store.ProgramNumbers(ctx, r, now)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	days := make([]ProgramDay, 0, r.Len())
	var total numbers.Numbers
	for d := r.From; !d.After(r.To); d = d.AddDate(0, 0, 1) {
		date := d.Format(activity.DateFormat)
		n := byDate[date]
		total.Add(n)
		days = append(days, ProgramDay{Date: date, Clicks: n.Clicks, UniqueClicks: n.Unique, Signups: n.Signups, Customers: n.Customers, Earned: moneyOrEmpty(n.Earned)})
	}
	top := numbers.Top(byPartner, TopPartners)
	ids := make([]string, len(top))
	for i, t := range top {
		ids[i] = t.Name
	}
	profiles, err := h.Store.Partners(ctx, ids)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	out := make([]TopPartner, 0, len(top))
	for _, t := range top {
		p := profiles[t.Name]
		out = append(out, TopPartner{PartnerID: t.Name, Code: p.Code, Name: p.Name, Clicks: t.Clicks, UniqueClicks: t.Unique, Signups: t.Signups,
			Customers: t.Customers, Earned: moneyOrEmpty(t.Earned), SignupRate: numbers.Rate(t.Signups, t.Clicks), CustomerRate: t.CustomerRate()})
	}
	return httpapi.JSON(http.StatusOK, struct {
		From         string           `json:"from"`
		To           string           `json:"to"`
		Clicks       int64            `json:"clicks"`
		UniqueClicks int64            `json:"unique_clicks"`
		Signups      int64            `json:"signups"`
		Customers    int64            `json:"customers"`
		Earned       map[string]int64 `json:"earned"`
		Days         []ProgramDay     `json:"days"`
		TopPartners  []TopPartner     `json:"top_partners"`
	}{r.From.Format(activity.DateFormat), r.To.Format(activity.DateFormat), total.Clicks, total.Unique, total.Signups, total.Customers, moneyOrEmpty(total.Earned), days, out}), nil
}
