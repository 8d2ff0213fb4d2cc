package partners

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/program"
)

func programHandler(st *dynamo.Store) lambda.Handler {
	c := &clock{t: testNow}
	h := &Handler{Store: st, Money: st, Program: st, Defaults: program.FromEnvironment(2500, 0, 0),
		BaseURL: "https://go.example.com", Now: c.now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return lambda.NewHandler(h.Handle)
}

func TestProgramSettings(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		h := programHandler(st)
		get := func() program.Settings {
			var s program.Settings
			if r := call(t, h, request{route: "GET /program", sub: "admin-1", admin: true}, &s); r.StatusCode != 200 {
				t.Fatalf("GET /program: %d %s", r.StatusCode, r.Body)
			}
			return s
		}
		put := func(body string, admin bool) (int, string) {
			r := call(t, h, request{route: "PUT /program", sub: "admin-1", admin: admin, body: body}, nil)
			return r.StatusCode, r.Body
		}
		v1 := get()
		if v1.Version != 1 || v1.Default.BPS != 2500 || v1.Default.Duration.Kind != program.EveryPayment || v1.UpdatedBy != "environment" {
			t.Fatalf("version 1 = %+v, want the configuration's defaults", v1)
		}
		if r := call(t, h, request{route: "GET /program", sub: "ann"}, nil); r.StatusCode != 403 {
			t.Errorf("a partner read the settings: %d", r.StatusCode)
		}

		valid := `{"version":1,"default":{"bps":2000,"duration":{"kind":"every_payment"}},"plans":{"pro":{"bps":3000,"duration":{"kind":"first_payments","count":12}}},"bounty":{"USD":5000},"min_payout":{"USD":2000}}`
		refusals := []struct {
			name, body string
			admin      bool
			status     int
			field      string
		}{
			{"not an admin", valid, false, 403, ""},
			{"rate over 100%", strings.Replace(valid, `"bps":2000`, `"bps":10001`, 1), true, 400, "default.bps"},
			{"negative days", strings.Replace(valid, `"version":1,`, `"version":1,"hold_days":-3,`, 1), true, 400, "hold_days"},
			{"malformed plan key", strings.Replace(valid, `"pro"`, `"Pro Plan"`, 1), true, 400, "plans.Pro Plan"},
			{"a tier on a tier", strings.Replace(valid, `"version":1,`, `"version":1,"second_tier":{"bps":500,"second_tier":{"bps":100}},`, 1), true, 400, "second_tier"},
			{"count missing", strings.Replace(valid, `,"count":12`, ``, 1), true, 400, "plans.pro.duration.count"},
			{"lower-case currency", strings.Replace(valid, `"USD":5000`, `"usd":5000`, 1), true, 400, "bounty.usd"},
			{"stale version", strings.Replace(valid, `"version":1`, `"version":7`, 1), true, 409, ""},
			{"no version", strings.Replace(valid, `"version":1,`, ``, 1), true, 400, "version"},
		}
		for _, tt := range refusals {
			t.Run(tt.name, func(t *testing.T) {
				status, body := put(tt.body, tt.admin)
				if status != tt.status || !strings.Contains(body, tt.field) {
					t.Errorf("status %d %s, want %d naming %q", status, body, tt.status, tt.field)
				}
				if s, ok, err := st.Program(ctx); err != nil || ok {
					t.Errorf("a refused save wrote settings: %+v %v %v", s, ok, err)
				}
			})
		}

		status, body := put(valid, true)
		var v2 program.Settings
		if err := json.Unmarshal([]byte(body), &v2); status != 200 || err != nil {
			t.Fatalf("PUT: %d %s", status, body)
		}
		if v2.Version != 2 || v2.UpdatedBy != "admin-1" || v2.UpdatedAt.Sub(testNow).Abs() > time.Second || v2.Plans["pro"].BPS != 3000 || v2.MinPayoutFor("USD") != 2000 {
			t.Errorf("saved %+v", v2)
		}
		if got := get(); got.Version != 2 || got.Bounty["USD"] != 5000 {
			t.Errorf("GET after save = %+v", got)
		}
		// Two admins edit version 2: the second save is stale.
		if status, body := put(strings.Replace(valid, `"version":1`, `"version":2`, 1), true); status != 200 {
			t.Fatalf("save over 2: %d %s", status, body)
		}
		if status, body := put(strings.Replace(valid, `"version":1`, `"version":2`, 1), true); status != 409 || !strings.Contains(body, `"code":"conflict"`) ||
			!strings.Contains(body, "since version 2 was read") {
			t.Errorf("stale save: %d %s", status, body)
		}
		if got := get(); got.Version != 3 {
			t.Errorf("version %d after a refused stale save, want 3", got.Version)
		}
		// A save racing past the handler's check loses in the store.
		v3 := get()
		v3.Version = 3
		if err := st.SaveProgram(ctx, v3); err == nil {
			t.Error("the store saved version 3 twice")
		}
	})
}

// Saves of the same version sent at once: exactly one is saved, every
// other is refused with 409, and each version is kept once.
func TestConcurrentProgramSaves(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		h := programHandler(st)
		for version := 1; version <= 3; version++ {
			body := fmt.Sprintf(`{"version":%d,"default":{"bps":%d,"duration":{"kind":"every_payment"}}}`, version, 1000+version)
			const n = 6
			var wg sync.WaitGroup
			status := make([]int, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					status[i] = call(t, h, request{route: "PUT /program", sub: fmt.Sprintf("admin-%d", i), admin: true, body: body}, nil).StatusCode
				}()
			}
			wg.Wait()
			saved := 0
			for _, s := range status {
				switch s {
				case 200:
					saved++
				case 409:
				default:
					t.Errorf("a save over version %d answered %d", version, s)
				}
			}
			if saved != 1 {
				t.Errorf("saves over version %d: %v, want one 200 and the rest 409", version, status)
			}
			if s, ok, err := st.Program(ctx); err != nil || !ok || s.Version != version+1 || s.Default.BPS != 1000+version {
				t.Fatalf("after the saves over version %d: %+v %v %v", version, s, ok, err)
			}
		}
		versions, _, err := st.ProgramVersions(ctx, dynamo.Page{Limit: 100})
		if err != nil || len(versions) != 3 {
			t.Errorf("kept versions %d (%v), want 3", len(versions), err)
		}
	})
}

// A settings document that names a field twice, in any letter case, is
// ambiguous (the decoder would merge maps and keep the last value): it is
// refused naming the field, by the save and by the preview, and nothing is
// written.
func TestProgramDuplicateFields(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		h := programHandler(st)
		rule := `{"bps":2500,"duration":{"kind":"every_payment"}}`
		for _, tt := range []struct{ body, field string }{
			{`{"version":1,"default":` + rule + `,"hold_days":30,"HOLD_DAYS":0}`, "HOLD_DAYS"},
			{`{"version":1,"default":` + rule + `,"plans":{"pro":` + rule + `},"plans":{}}`, "plans"},
			{`{"version":1,"default":{"bps":2500,"bps":100,"duration":{"kind":"every_payment"}}}`, "default.bps"},
			{`{"version":1,"default":` + rule + `,"plans":{"pro":` + rule + `,"pro":{"bps":1,"duration":{"kind":"every_payment"}}}}`, "plans.pro"},
			{`{"version":1,"default":` + rule + `,"bounty":{"USD":1,"USD":2}}`, "bounty.USD"},
		} {
			for _, route := range []string{"PUT /program", "POST /program/preview"} {
				r := call(t, h, request{route: route, sub: "admin-1", admin: true, body: tt.body}, nil)
				if r.StatusCode != 400 || !strings.Contains(r.Body, `"message":"`+tt.field+`: `) {
					t.Errorf("%s %s: %d %s, want 400 naming %s", route, tt.body, r.StatusCode, r.Body, tt.field)
				}
			}
			if s, ok, err := st.Program(ctx); err != nil || ok {
				t.Fatalf("a refused document was saved: %+v %v %v", s, ok, err)
			}
		}
		// The same fields once each are saved.
		if r := call(t, h, request{route: "PUT /program", sub: "admin-1", admin: true,
			body: `{"version":1,"default":` + rule + `,"plans":{"pro":` + rule + `,"team":` + rule + `},"hold_days":30}`}, nil); r.StatusCode != 200 {
			t.Errorf("a document without duplicates: %d %s", r.StatusCode, r.Body)
		}
	})
}
