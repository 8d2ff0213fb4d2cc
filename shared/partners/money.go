package partners

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/httpapi"
	"partnerkit/shared/ledger"
	"partnerkit/shared/validate"
)

// MoneyStore is what the commission and payout routes need of the store.
type MoneyStore interface {
	PartnerLinesPage(ctx context.Context, partnerID string, buckets []string, c dynamo.Cursor, limit int) ([]ledger.Line, *dynamo.Cursor, error)
	PartnerStatements(ctx context.Context, partnerID, period string) ([]ledger.Statement, error)
	PeriodStatementsPage(ctx context.Context, period string, payableOnly bool, c dynamo.Cursor, limit int) ([]ledger.Statement, *dynamo.Cursor, error)
	PeriodState(ctx context.Context, period string) (ledger.PeriodInfo, error)
	PartnerEmails(ctx context.Context, ids []string) (map[string]string, error)
	MarkPaid(ctx context.Context, id, reference string, now time.Time) (ledger.Statement, error)
	PartnerStats(ctx context.Context, partnerID string, now time.Time) (dynamo.MoneyStats, error)
}

var _ MoneyStore = (*dynamo.Store)(nil)

// StatementJSON is a statement as the API shows it (contract section 5).
type StatementJSON struct {
	StatementID string `json:"statement_id"`
	PartnerID   string `json:"partner_id"`
	Email       string `json:"email,omitempty"`
	Period      string `json:"period"`
	Currency    string `json:"currency"`
	Earned      int64  `json:"earned"`
	Reversed    int64  `json:"reversed"`
	CarriedIn   int64  `json:"carried_in"`
	Total       int64  `json:"total"`
	Status      string `json:"status"`
	Reference   string `json:"reference,omitempty"`
}

func statementJSON(s ledger.Statement) StatementJSON {
	return StatementJSON{
		StatementID: s.ID, PartnerID: s.PartnerID, Email: s.Email, Period: s.Period, Currency: s.Currency,
		Earned: s.Earned, Reversed: s.Reversed, CarriedIn: s.CarriedIn, Total: s.Total(), Status: s.Status, Reference: s.Reference,
	}
}

// LineJSON is a ledger line as the API shows it.
type LineJSON struct {
	LineID      string `json:"line_id"`
	Kind        string `json:"kind"`
	PaymentID   string `json:"payment_id"`
	RefundID    string `json:"refund_id,omitempty"`
	CustomerID  string `json:"customer_id"`
	Amount      int64  `json:"amount"`
	Currency    string `json:"currency"`
	At          string `json:"at"`
	StatementID string `json:"statement_id"`
	// Basis and Description say what produced a commission or override:
	// "25% of 99.00 USD, plan pro, rule v3".
	Basis       *ledger.Basis `json:"basis,omitempty"`
	Description string        `json:"description,omitempty"`
}

func periodParam(req *events.APIGatewayV2HTTPRequest) (string, error) {
	p, err := ledger.ParsePeriod(req.QueryStringParameters["period"])
	if err != nil {
		return "", httpapi.Errorf(httpapi.CodeInvalidRequest, "period: %s.", err)
	}
	return p.String(), nil
}

func (h *Handler) commissions(ctx context.Context, req *events.APIGatewayV2HTTPRequest, caller httpapi.Caller) (events.APIGatewayV2HTTPResponse, error) {
	period, err := periodParam(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	cursor, limit, err := pageParams(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	p, err := h.lookup(ctx, req.PathParameters["id"], caller)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	out := struct {
		Period     string          `json:"period"`
		Lines      []LineJSON      `json:"lines"`
		Statements []StatementJSON `json:"statements"`
		NextCursor string          `json:"next_cursor,omitempty"`
	}{Period: period, Lines: []LineJSON{}, Statements: []StatementJSON{}}
	// Lines are in a period's statements once the period is closed.
	info, err := h.Money.PeriodState(ctx, period)
	if err != nil || info.State != ledger.PeriodClosed || info.Into != "" {
		return httpapi.JSON(http.StatusOK, out), err
	}
	// A partner has one statement per currency in a period: every page
	// carries them, and the lines page.
	stmts, err := h.Money.PartnerStatements(ctx, p.ID, period)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	for _, s := range stmts {
		out.Statements = append(out.Statements, statementJSON(s))
	}
	// The close of period swept in the lines of every earlier open period.
	lines, next, err := h.Money.PartnerLinesPage(ctx, p.ID, ledger.Periods(info.From, period), cursor, limit)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	for _, l := range lines {
		lj := LineJSON{
			LineID: l.ID, Kind: l.Kind, PaymentID: l.PaymentID, RefundID: l.RefundID, CustomerID: l.CustomerID,
			Amount: l.Amount, Currency: l.Currency, At: time.UnixMilli(l.At).UTC().Format(dynamo.TimeFormat),
			StatementID: ledger.StatementID(period, l.Currency, p.ID), Basis: l.Basis,
		}
		if l.Basis != nil {
			lj.Description = l.Basis.Describe(l.Currency)
		}
		out.Lines = append(out.Lines, lj)
	}
	out.NextCursor = encodeCursor(next)
	return httpapi.JSON(http.StatusOK, out), nil
}

func (h *Handler) payouts(ctx context.Context, req *events.APIGatewayV2HTTPRequest, caller httpapi.Caller) (events.APIGatewayV2HTTPResponse, error) {
	if !caller.Admin {
		return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeForbidden, "Only an admin may list payouts.")
	}
	period, err := periodParam(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	cursor, limit, err := pageParams(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	csv := wantsCSV(req.Headers["accept"])
	stmts, next, err := h.Money.PeriodStatementsPage(ctx, period, csv, cursor, limit)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	// Statements carry their partner's email from the close; only those
	// closed before it was copied need the partners' profiles.
	var missing []string
	for _, s := range stmts {
		if s.Email == "" {
			missing = append(missing, s.PartnerID)
		}
	}
	emails := map[string]string{}
	for start := 0; start < len(missing); start += 100 {
		part, err := h.Money.PartnerEmails(ctx, missing[start:min(start+100, len(missing))])
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		for k, v := range part {
			emails[k] = v
		}
	}
	out := make([]StatementJSON, 0, len(stmts))
	for _, s := range stmts {
		j := statementJSON(s)
		if j.Email == "" {
			j.Email = emails[s.PartnerID]
		}
		out = append(out, j)
	}
	nextCursor := encodeCursor(next)
	if csv {
		resp, err := payoutCSV(out)
		if err == nil && nextCursor != "" {
			resp.Headers["Link"] = "<" + nextLink(req, nextCursor) + `>; rel="next"`
		}
		return resp, err
	}
	return httpapi.JSON(http.StatusOK, struct {
		Period     string          `json:"period"`
		Statements []StatementJSON `json:"statements"`
		NextCursor string          `json:"next_cursor,omitempty"`
	}{period, out, nextCursor}), nil
}

func wantsCSV(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(mt, "text/csv") {
			return true
		}
	}
	return false
}

// payoutCSV renders payable statements for a mass-payment upload.
func payoutCSV(stmts []StatementJSON) (events.APIGatewayV2HTTPResponse, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"statement_id", "partner_id", "email", "currency", "total", "status"})
	for _, s := range stmts {
		if s.Status != ledger.StatusPayable {
			continue
		}
		w.Write([]string{s.StatementID, s.PartnerID, cell(s.Email), s.Currency, strconv.FormatInt(s.Total, 10), s.Status})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: http.StatusOK, Body: b.String(),
		Headers: map[string]string{"Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store"},
	}, nil
}

// cell keeps a spreadsheet from reading a value as a formula.
func cell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// maxReferenceLen bounds a payout's reference, in characters.
const maxReferenceLen = 200

type paidRequest struct {
	Reference string `json:"reference"`
}

func (h *Handler) markPaid(ctx context.Context, req *events.APIGatewayV2HTTPRequest, caller httpapi.Caller) (events.APIGatewayV2HTTPResponse, error) {
	if !caller.Admin {
		return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeForbidden, "Only an admin may record payouts.")
	}
	var in paidRequest
	if err := httpapi.DecodeBody(req, &in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	in.Reference = strings.TrimSpace(in.Reference)
	if in.Reference == "" || validate.Text(in.Reference, maxReferenceLen, false) != nil {
		return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeInvalidRequest,
			"reference is required: the payment's external reference, at most %d characters on one line, without control or invisible formatting characters.", maxReferenceLen)
	}
	id := req.PathParameters["statement_id"]
	period, _, _, ok := ledger.ParseStatementID(id)
	if !ok {
		return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeNotFound, "No statement has the id %q.", id)
	}
	if info, err := h.Money.PeriodState(ctx, period); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	} else if info.State != ledger.PeriodClosed {
		return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeConflict, "Period %s is not closed yet; its statements are not final.", period)
	}
	s, err := h.Money.MarkPaid(ctx, id, in.Reference, h.Now())
	switch {
	case errors.Is(err, dynamo.ErrNotFound):
		return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeNotFound, "No statement has the id %q.", id)
	case errors.Is(err, dynamo.ErrAlreadyPaid):
		return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeConflict, "Statement %q is already paid.", id)
	case errors.Is(err, dynamo.ErrNotPayable):
		return events.APIGatewayV2HTTPResponse{}, httpapi.Errorf(httpapi.CodeConflict, "Statement %q is not payable (carried forward or on hold).", id)
	case err != nil:
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return httpapi.JSON(http.StatusOK, statementJSON(s)), nil
}

// money fills a profile's stats from the partner's running totals: what
// it reads does not grow with the partner's history.
func (h *Handler) money(ctx context.Context, partnerID string, st *Stats) error {
	if h.Money == nil {
		return nil
	}
	ms, err := h.Money.PartnerStats(ctx, partnerID, h.Now())
	if err != nil {
		return err
	}
	st.Clicks, st.Signups, st.Customers = ms.Clicks, ms.Signups, ms.Customers
	for dst, src := range map[*map[string]int64]map[string]int64{&st.Pending: ms.Pending, &st.OnHold: ms.OnHold, &st.Payable: ms.Payable, &st.Paid: ms.Paid} {
		for c, v := range src {
			if v != 0 {
				(*dst)[c] = v
			}
		}
	}
	return nil
}
