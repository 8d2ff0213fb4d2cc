package partners

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"partnerkit/shared/accrual"
	"partnerkit/shared/billing/billingtest"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/httpapi/apitest"
	"partnerkit/shared/ledger"
	"partnerkit/shared/program"
)

type payoutsPage struct {
	Statements []StatementJSON `json:"statements"`
	NextCursor string          `json:"next_cursor"`
}

// TestPayoutsPaginate: payouts come limit at a time with next_cursor
// while more remain, as JSON and as CSV (with a Link header); emails come
// from the statements, or from the profile for a statement closed before
// emails were copied; malformed limits and cursors are refused.
func TestPayoutsPaginate(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		st := dynamo.New(b.Client, b.Table)
		h := newHandler(t, b)
		var old enrolled
		call(t, h, request{sub: "old", email: "old@example.com", body: `{}`}, &old)
		stmts := []ledger.Statement{{PartnerID: old.PartnerID, Totals: ledger.Totals{Earned: 5}, Status: ledger.StatusPayable}}
		for i := range 6 {
			s := ledger.Statement{PartnerID: fmt.Sprintf("pt_%d", i), Email: fmt.Sprintf("p%d@example.com", i), Totals: ledger.Totals{Earned: int64(100 + i)}, Status: ledger.StatusPayable}
			if i%2 == 1 {
				s.Status = ledger.StatusCarriedForward
			}
			stmts = append(stmts, s)
		}
		for i := range stmts {
			stmts[i].Period, stmts[i].Currency = "2026-10", "USD"
			stmts[i].ID = ledger.StatementID("2026-10", "USD", stmts[i].PartnerID)
		}
		if _, err := st.WriteStatements(context.Background(), stmts); err != nil {
			t.Fatal(err)
		}

		seen := map[string]string{}
		cursor, pages := "", 0
		for {
			q := map[string]string{"period": "2026-10", "limit": "2"}
			if cursor != "" {
				q["cursor"] = cursor
			}
			var page payoutsPage
			if r := call(t, h, request{route: "GET /payouts", sub: "admin", admin: true, query: q}, &page); r.StatusCode != 200 {
				t.Fatalf("page %d: %d %s", pages, r.StatusCode, r.Body)
			}
			pages++
			if len(page.Statements) > 2 {
				t.Errorf("page of %d statements with limit 2", len(page.Statements))
			}
			for _, s := range page.Statements {
				if _, dup := seen[s.StatementID]; dup {
					t.Errorf("statement %s on two pages", s.StatementID)
				}
				seen[s.StatementID] = s.Email
			}
			if cursor = page.NextCursor; cursor == "" || pages > 40 {
				break
			}
		}
		if len(seen) != len(stmts) || seen[ledger.StatementID("2026-10", "USD", old.PartnerID)] != "old@example.com" || seen[ledger.StatementID("2026-10", "USD", "pt_3")] != "p3@example.com" {
			t.Errorf("statements over %d pages: %v", pages, seen)
		}

		// CSV: payable rows only, the next page named by a Link header.
		rows, cursor := 0, ""
		for i := 0; i < 40; i++ {
			q := map[string]string{"period": "2026-10", "limit": "3"}
			if cursor != "" {
				q["cursor"] = cursor
			}
			resp := apitest.Invoke(t, h, request{route: "GET /payouts", sub: "admin", admin: true, query: q, accept: "text/csv"}.event(t))
			lines := strings.Split(strings.TrimSpace(resp.Body), "\n")
			if resp.StatusCode != 200 || lines[0] != "statement_id,partner_id,email,currency,total,status" {
				t.Fatalf("CSV page: %d %q", resp.StatusCode, resp.Body)
			}
			for _, l := range lines[1:] {
				if !strings.HasSuffix(l, ",payable") {
					t.Errorf("CSV row %q is not payable", l)
				}
				rows++
			}
			link := resp.Headers["Link"]
			if link == "" {
				break
			}
			target, ok := strings.CutSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
			u, err := url.Parse(target)
			if !ok || err != nil || u.Path != "/payouts" || u.Query().Get("period") != "2026-10" || u.Query().Get("limit") != "3" {
				t.Fatalf("Link %q", link)
			}
			cursor = u.Query().Get("cursor")
		}
		if rows != 4 {
			t.Errorf("CSV pages hold %d payable rows, want 4", rows)
		}

		for _, q := range []map[string]string{
			{"period": "2026-10", "limit": "0"},
			{"period": "2026-10", "limit": "1001"},
			{"period": "2026-10", "limit": "ten"},
			{"period": "2026-10", "cursor": "not a cursor!"},
			{"period": "2026-10", "cursor": ""},
			// Another list's cursor, or an empty position: refused, not a restart.
			{"period": "2026-10", "cursor": base64.RawURLEncoding.EncodeToString([]byte(`{"pk":"PARTNERS","sk":"x"}`))},
			{"period": "2026-10", "cursor": base64.RawURLEncoding.EncodeToString([]byte(`{}`))},
		} {
			var e apiError
			if r := call(t, h, request{route: "GET /payouts", sub: "admin", admin: true, query: q}, &e); r.StatusCode != 400 || e.Error.Code != "invalid_request" {
				t.Errorf("%v: %d %+v, want 400 invalid_request", q, r.StatusCode, e)
			}
		}
	})
}

// TestCommissionsPaginate: a period's lines come limit at a time, each
// page with the partner's statements.
func TestCommissionsPaginate(t *testing.T) {
	b := dynamotest.Embedded(t)
	st := dynamo.New(b.Client, b.Table)
	h := newHandler(t, b)
	var p enrolled
	call(t, h, request{sub: "u1", email: "u1@example.com", body: `{}`}, &p)
	oct := time.Date(2026, 10, 3, 9, 0, 0, 0, time.UTC)
	billingtest.Attribute(t, st, "cus_1", p.PartnerID, oct.Add(-time.Hour))
	e := billingtest.New(t, st, oct.Add(time.Hour), 2500, 0)
	for i := range 5 {
		e.Pay(t, fmt.Sprintf("pay_%d", i), "cus_1", 1000, "USD", oct.Add(time.Duration(i)*time.Minute))
	}
	r := &accrual.Runner{Store: st, Settings: &program.Cache{Load: st, Defaults: program.FromEnvironment(2500, 0, 0)}, Now: func() time.Time { return oct.AddDate(0, 1, 0) }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if _, err := r.Run(context.Background(), "2026-10"); err != nil {
		t.Fatal(err)
	}
	var got []string
	cursor := ""
	for i := 0; i < 10; i++ {
		q := map[string]string{"period": "2026-10", "limit": "2"}
		if cursor != "" {
			q["cursor"] = cursor
		}
		var page struct {
			Lines      []LineJSON      `json:"lines"`
			Statements []StatementJSON `json:"statements"`
			NextCursor string          `json:"next_cursor"`
		}
		if r := call(t, h, request{route: "GET /partners/{id}/commissions", id: "me", sub: "u1", query: q}, &page); r.StatusCode != 200 {
			t.Fatalf("%d %s", r.StatusCode, r.Body)
		}
		if len(page.Lines) > 2 || len(page.Statements) != 1 || page.Statements[0].Total != 1250 {
			t.Errorf("page = %+v", page)
		}
		for _, l := range page.Lines {
			got = append(got, l.PaymentID)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if fmt.Sprint(got) != "[pay_0 pay_1 pay_2 pay_3 pay_4]" {
		t.Errorf("lines over the pages: %v", got)
	}
}
