package dynamo_test

import (
	"context"
	"fmt"
	"testing"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/ledger"
)

// TestStatementPagesEndWithTheListing: a listing over many shards comes
// limit at a time and names a next page only while statements remain, so
// a listing whose size is a multiple of limit ends on a full page, never
// on an empty one, wherever in the shards its statements lie.
func TestStatementPagesEndWithTheListing(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		for _, tc := range []struct {
			period string
			count  int
			limit  int
		}{
			{"2026-01", 0, 2},
			{"2026-02", 1, 1},
			{"2026-03", 2, 2},
			{"2026-04", 4, 2},
			{"2026-05", 6, 3},
			{"2026-06", 7, 3},
			{"2026-07", 9, 1},
		} {
			stmts := make([]ledger.Statement, tc.count)
			for i := range stmts {
				id := fmt.Sprintf("pt_page%d", i)
				stmts[i] = ledger.Statement{ID: ledger.StatementID(tc.period, "USD", id), PartnerID: id, Period: tc.period, Currency: "USD",
					Totals: ledger.Totals{Earned: 100}, Status: ledger.StatusPayable}
			}
			if tc.count > 0 {
				if _, err := st.WriteStatements(ctx, stmts); err != nil {
					t.Fatal(err)
				}
			}
			seen := map[string]bool{}
			var c dynamo.Cursor
			pages := 0
			for {
				got, next, err := st.PeriodStatementsPage(ctx, tc.period, false, c, tc.limit)
				if err != nil {
					t.Fatal(err)
				}
				pages++
				if len(got) > tc.limit || (len(got) == 0 && pages > 1) {
					t.Errorf("%s: page %d holds %d statements with limit %d", tc.period, pages, len(got), tc.limit)
				}
				for _, s := range got {
					if seen[s.ID] {
						t.Errorf("%s: %s on two pages", tc.period, s.ID)
					}
					seen[s.ID] = true
				}
				if next == nil || pages > 20 {
					if len(got) < tc.limit && len(seen) < tc.count {
						t.Errorf("%s: listing ended early", tc.period)
					}
					break
				}
				if len(got) < tc.limit {
					t.Errorf("%s: page %d holds %d of limit %d and names a next page", tc.period, pages, len(got), tc.limit)
				}
				c = *next
			}
			want := (tc.count + tc.limit - 1) / tc.limit
			if want == 0 {
				want = 1
			}
			if len(seen) != tc.count || pages != want {
				t.Errorf("%s: %d statements over %d pages, want %d over %d", tc.period, len(seen), pages, tc.count, want)
			}
		}
	})
}

// TestPayableStatementPages: with only payable statements kept, every
// payable one comes exactly once, pages never hold more than limit, and
// the listing ends.
func TestPayableStatementPages(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		var stmts []ledger.Statement
		payable := map[string]bool{}
		for i := range 11 {
			id := fmt.Sprintf("pt_pay%d", i)
			s := ledger.Statement{ID: ledger.StatementID("2026-08", "USD", id), PartnerID: id, Period: "2026-08", Currency: "USD",
				Totals: ledger.Totals{Earned: 100}, Status: ledger.StatusCarriedForward}
			if i%3 == 0 {
				s.Status = ledger.StatusPayable
				payable[s.ID] = true
			}
			stmts = append(stmts, s)
		}
		if _, err := st.WriteStatements(ctx, stmts); err != nil {
			t.Fatal(err)
		}
		for _, limit := range []int{1, 2, 4} {
			seen := map[string]bool{}
			var c dynamo.Cursor
			for pages := 1; ; pages++ {
				got, next, err := st.PeriodStatementsPage(ctx, "2026-08", true, c, limit)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) > limit {
					t.Errorf("limit %d: a page of %d", limit, len(got))
				}
				for _, s := range got {
					if !payable[s.ID] || seen[s.ID] {
						t.Errorf("limit %d: %s (%s) listed again or not payable", limit, s.ID, s.Status)
					}
					seen[s.ID] = true
				}
				if next == nil {
					break
				}
				if pages > 40 {
					t.Fatalf("limit %d: no end after %d pages", limit, pages)
				}
				c = *next
			}
			if len(seen) != len(payable) {
				t.Errorf("limit %d: %d payable statements listed, want %d", limit, len(seen), len(payable))
			}
		}
	})
}
