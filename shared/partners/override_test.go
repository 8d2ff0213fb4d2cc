package partners

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"partnerkit/shared/attribution"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
)

func TestOverride(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		h, _ := centerHandler(t, st)
		ann := enroll(t, h, "ann", "ann@example.com", "ann-code")
		bob := enroll(t, h, "bob", "bob@example.com", "bob-code")
		sus := enroll(t, h, "sus", "sus@example.com", "sus-code")
		call(t, h, request{route: "PATCH /partners/{id}", id: sus, sub: "admin", admin: true, body: `{"status":"suspended"}`}, nil)
		created := testNow.Add(-2 * time.Hour)
		attribute(t, st, "cus_1", ann, "sam@example.com", created, testNow)

		put := func(customer, body string, admin bool) (int, string) {
			r := call(t, h, request{route: "PUT /customers/{customer_id}/attribution", id: customer, customerRoute: true, sub: "admin-7", admin: admin, body: body}, nil)
			return r.StatusCode, r.Body
		}
		// state is everything a refused override must leave unchanged.
		state := func() string {
			d, err := st.Attribution(ctx, "cus_1")
			if err != nil {
				t.Fatal(err)
			}
			counts, err := countsOf(t, st, []string{ann, bob, sus})
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("%+v %v %v %v", d, counts[ann], counts[bob], counts[sus])
		}
		before := state()
		refusals := []struct {
			name, customer, body string
			admin                bool
			status               int
			code                 string
		}{
			{"not an admin", "cus_1", `{"partner_id":"` + bob + `","note":"x"}`, false, 403, "forbidden"},
			{"unknown partner", "cus_1", `{"partner_id":"pt_nobody","note":"x"}`, true, 404, "not_found"},
			{"suspended partner", "cus_1", `{"partner_id":"` + sus + `","note":"x"}`, true, 409, "conflict"},
			{"unknown customer", "cus_none", `{"partner_id":"` + bob + `","note":"x"}`, true, 404, "not_found"},
			{"no note", "cus_1", `{"partner_id":"` + bob + `"}`, true, 400, "invalid_request"},
			{"blank note", "cus_1", `{"partner_id":"` + bob + `","note":"  "}`, true, 400, "invalid_request"},
			{"note too long", "cus_1", `{"partner_id":"` + bob + `","note":"` + strings.Repeat("é", 501) + `"}`, true, 400, "invalid_request"},
			{"control character", "cus_1", `{"partner_id":"` + bob + `","note":"a\u0007b"}`, true, 400, "invalid_request"},
			{"bidi override", "cus_1", `{"partner_id":"` + bob + `","note":"a\u202eb"}`, true, 400, "invalid_request"},
			{"no partner", "cus_1", `{"note":"x"}`, true, 400, "invalid_request"},
			{"unknown field", "cus_1", `{"partner_id":"` + bob + `","note":"x","by":"me"}`, true, 400, "invalid_request"},
		}
		for _, tt := range refusals {
			t.Run(tt.name, func(t *testing.T) {
				status, body := put(tt.customer, tt.body, tt.admin)
				if status != tt.status || !strings.Contains(body, `"code":"`+tt.code+`"`) {
					t.Errorf("status %d %s, want %d %s", status, body, tt.status, tt.code)
				}
				if after := state(); after != before {
					t.Errorf("a refused override changed the store:\n%s\nwas\n%s", after, before)
				}
			})
		}

		status, body := put("cus_1", `{"partner_id":"`+bob+`","note":"Met at the fair.\nConfirmed by email."}`, true)
		touched := strings.Split(strings.Split(body, `"touched_at":"`)[1], `"`)[0]
		click := created.Add(-time.Hour).Format(dynamo.TimeFormat)
		want := `{"customer_id":"cus_1","attributed":true,"partner_id":"` + bob + `","source":"manual","touched_at":"` + touched + `","candidates":[` +
			`{"source":"click","partner_id":"` + ann + `","touched_at":"` + click + `","outcome":"overridden"},` +
			`{"source":"manual","partner_id":"` + bob + `","touched_at":"` + touched + `","outcome":"won","by":"admin-7","note":"Met at the fair.\nConfirmed by email."}]}`
		if status != 200 || body != want {
			t.Fatalf("override = %d %s\nwant %s", status, body, want)
		}
		got := call(t, h, request{route: "GET /customers/{customer_id}/attribution", id: "cus_1", customerRoute: true, sub: "admin", admin: true}, nil)
		if got.Body != want {
			t.Errorf("GET after override = %s\nwant %s", got.Body, want)
		}

		// The signup moved, in total and on the signup day; so did the
		// customer, from Ann's list to Bob's.
		counts, _ := countsOf(t, st, []string{ann, bob})
		if counts[ann].Signups != 0 || counts[bob].Signups != 1 {
			t.Errorf("signups after override: ann %d bob %d, want 0 and 1", counts[ann].Signups, counts[bob].Signups)
		}
		day := created.Format("2006-01-02")
		for id, want := range map[string]int64{ann: 0, bob: 1} {
			days, _ := st.Activity(ctx, id)
			if days[day].Signups != want {
				t.Errorf("%s signups on %s = %d, want %d", id, day, days[day].Signups, want)
			}
		}
		for id, want := range map[string]int{ann: 0, bob: 1} {
			cs, _, err := st.PartnerCustomers(ctx, id, dynamo.Page{Limit: 10})
			if err != nil || len(cs) != want {
				t.Errorf("%s customers = %+v, %v; want %d", id, cs, err, want)
			}
			if want == 1 && (cs[0].Source != "manual" || cs[0].AttributedAt != touched || cs[0].EmailHint != "s***@example.com") {
				t.Errorf("moved customer listed as %+v", cs[0])
			}
		}
		// The signup webhook's later deliveries keep the override.
		d, _ := st.Attribution(ctx, "cus_1")
		if d.PartnerID != bob || d.Source != attribution.SourceManual || d.Reason != "" {
			t.Errorf("stored decision = %+v", d)
		}
	})
}

// Concurrent overrides of one customer apply one after the other: every
// one is kept as a candidate, exactly one wins, and the signup is counted
// once, on the winner.
func TestConcurrentOverrides(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		h, _ := centerHandler(t, st)
		ids := []string{enroll(t, h, "p0", "p0@example.com", "p-zero"), enroll(t, h, "p1", "p1@example.com", "p-one"), enroll(t, h, "p2", "p2@example.com", "p-two")}
		attribute(t, st, "cus_1", ids[0], "c@example.com", testNow, testNow)
		const n = 6
		var wg sync.WaitGroup
		statuses := make([]int, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := call(t, h, request{route: "PUT /customers/{customer_id}/attribution", id: "cus_1", customerRoute: true, sub: "admin", admin: true,
					body: fmt.Sprintf(`{"partner_id":%q,"note":"override %d"}`, ids[1+i%2], i)}, nil)
				statuses[i] = r.StatusCode
			}()
		}
		wg.Wait()
		applied := 0
		for _, s := range statuses {
			switch s {
			case 200:
				applied++
			case 429: // kept losing within the retry budget: nothing written
			default:
				t.Errorf("override answered %d", s)
			}
		}
		d, err := st.Attribution(ctx, "cus_1")
		if err != nil {
			t.Fatal(err)
		}
		won, manual := 0, 0
		for _, c := range d.Candidates {
			if c.Outcome == attribution.OutcomeWon {
				won++
			}
			if c.Source == attribution.SourceManual {
				manual++
			}
		}
		if won != 1 || manual != applied || applied == 0 {
			t.Errorf("%d overrides applied; candidates %+v", applied, d.Candidates)
		}
		counts, _ := countsOf(t, st, ids)
		var total int64
		for _, id := range ids {
			total += counts[id].Signups
		}
		if total != 1 || counts[d.PartnerID].Signups != 1 {
			t.Errorf("signups %v, want one, on %s", counts, d.PartnerID)
		}
	})
}

// countsOf reads each partner's counters.
func countsOf(t *testing.T, st *dynamo.Store, ids []string) (map[string]dynamo.Counts, error) {
	t.Helper()
	out := map[string]dynamo.Counts{}
	for _, id := range ids {
		c, err := st.Counts(context.Background(), id)
		if err != nil {
			return nil, err
		}
		out[id] = c
	}
	return out, nil
}

// A user who signed up through a partner and then enrolls is that
// partner's recruit; customers moved to the recruit carry the recruiter
// as upline (second tier), and moved away, lose it.
func TestRecruitedPartner(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		h, _ := centerHandler(t, st)
		ann := enroll(t, h, "ann", "ann@example.com", "ann-code")
		bob := enroll(t, h, "bob", "bob@example.com", "bob-code")
		attribute(t, st, "cy", ann, "cy@example.com", testNow.Add(-time.Hour), testNow)
		cy := enroll(t, h, "cy", "cy@example.com", "cy-code")
		if p, err := st.Partner(ctx, cy); err != nil || p.ReferredBy != ann {
			t.Fatalf("cy referred by %q (%v), want ann %s", p.ReferredBy, err, ann)
		}
		if p, _ := st.Partner(ctx, bob); p.ReferredBy != "" {
			t.Errorf("bob referred by %q, want nobody", p.ReferredBy)
		}
		attribute(t, st, "cus_2", bob, "dee@example.com", testNow.Add(-time.Hour), testNow)
		move := func(to string) string {
			t.Helper()
			r := call(t, h, request{route: "PUT /customers/{customer_id}/attribution", id: "cus_2", customerRoute: true, sub: "admin-7", admin: true,
				body: `{"partner_id":"` + to + `","note":"moved"}`}, nil)
			if r.StatusCode != 200 {
				t.Fatalf("override to %s: %d %s", to, r.StatusCode, r.Body)
			}
			d, err := st.Attribution(ctx, "cus_2")
			if err != nil {
				t.Fatal(err)
			}
			return d.Upline
		}
		if up := move(cy); up != ann {
			t.Errorf("cus_2 moved to cy: upline %q, want ann", up)
		}
		if up := move(bob); up != "" {
			t.Errorf("cus_2 moved back to bob: upline %q, want none", up)
		}

		// ann's own user, a customer moved to ann's recruit cy: cy earns
		// on ann's payments, but ann earns no second tier on them.
		attribute(t, st, "ann", bob, "ann-shop@example.com", testNow.Add(-time.Hour), testNow)
		r := call(t, h, request{route: "PUT /customers/{customer_id}/attribution", id: "ann", customerRoute: true, sub: "admin-7", admin: true,
			body: `{"partner_id":"` + cy + `","note":"moved"}`}, nil)
		if d, err := st.Attribution(ctx, "ann"); r.StatusCode != 200 || err != nil || d.PartnerID != cy || d.Upline != "" {
			t.Errorf("ann moved to cy: %d %s, attribution %+v (%v), want cy without an upline", r.StatusCode, r.Body, d, err)
		}
	})
}
