package events_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"partnerkit/shared/attribution"
	"partnerkit/shared/events"
	"partnerkit/shared/ledger"
	"partnerkit/shared/partner"
)

// validate checks v (decoded JSON) against the subset of JSON Schema the
// files in infra/events use: type, const, enum, required, properties,
// additionalProperties false, items, pattern, minLength, maxLength,
// minimum and maximum. It returns every violation, by JSON path.
func validate(schema map[string]any, v any, path string) []string {
	var errs []string
	fail := func(f string, a ...any) { errs = append(errs, path+": "+fmt.Sprintf(f, a...)) }
	if c, ok := schema["const"]; ok && c != v {
		fail("want %v, got %v", c, v)
	}
	if e, ok := schema["enum"].([]any); ok {
		found := false
		for _, x := range e {
			found = found || x == v
		}
		if !found {
			fail("%v not in %v", v, e)
		}
	}
	switch schema["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			fail("want an object, got %T", v)
			return errs
		}
		props, _ := schema["properties"].(map[string]any)
		for _, r := range schema["required"].([]any) {
			if _, ok := m[r.(string)]; !ok {
				fail("missing %s", r)
			}
		}
		for k, x := range m {
			sub, ok := props[k].(map[string]any)
			if !ok {
				if schema["additionalProperties"] == false {
					fail("unexpected property %s", k)
				}
				continue
			}
			errs = append(errs, validate(sub, x, path+"."+k)...)
		}
	case "array":
		l, ok := v.([]any)
		if !ok {
			fail("want an array, got %T", v)
			return errs
		}
		for i, x := range l {
			errs = append(errs, validate(schema["items"].(map[string]any), x, fmt.Sprintf("%s[%d]", path, i))...)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			fail("want a string, got %T", v)
			return errs
		}
		if p, ok := schema["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(str) {
			fail("%q does not match %s", str, p)
		}
		if n, ok := schema["minLength"].(float64); ok && float64(len([]rune(str))) < n {
			fail("%q shorter than %v", str, n)
		}
		if n, ok := schema["maxLength"].(float64); ok && float64(len([]rune(str))) > n {
			fail("%q longer than %v", str, n)
		}
	case "integer":
		f, ok := v.(float64)
		if !ok || f != float64(int64(f)) {
			fail("want an integer, got %v", v)
			return errs
		}
		if n, ok := schema["minimum"].(float64); ok && f < n {
			fail("%v below %v", f, n)
		}
		if n, ok := schema["maximum"].(float64); ok && f > n {
			fail("%v above %v", f, n)
		}
	case nil:
	default:
		fail("validator does not know type %v", schema["type"])
	}
	return errs
}

func loadSchema(t *testing.T, typ string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "infra", "events", typ+".json"))
	if err != nil {
		t.Fatalf("schema of %s: %v", typ, err)
	}
	var schema map[string]any
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatalf("schema of %s: %v", typ, err)
	}
	return schema
}

// Samples returns events of every type built the way the store builds
// them, with optional fields both set and unset.
func samples() []events.Event {
	now := time.Date(2026, 11, 3, 10, 4, 5, 123e6, time.UTC)
	p := partner.Partner{ID: "p_1", Code: "ann-2026", Name: "Ann", Subject: "sub-1", Email: "ann@example.com",
		Status: partner.StatusActive, CreatedAt: now.Add(-time.Hour)}
	bare := partner.Partner{ID: "p_2", Code: "k7m2x9qa", Status: partner.StatusActive, CreatedAt: now}
	suspended := p
	suspended.Status = partner.StatusSuspended
	d := attribution.Decision{CustomerID: "cus_1", Attributed: true, PartnerID: "p_1", Source: attribution.SourceClick,
		TouchedAt: now.Add(-48 * time.Hour), LinkID: "l1", Sid: "spring",
		Candidates: []attribution.Candidate{
			{Source: attribution.SourceClick, PartnerID: "p_1", TouchedAt: now.Add(-48 * time.Hour), Outcome: attribution.OutcomeWon},
			{Source: attribution.SourceCode, PartnerID: "p_2", TouchedAt: now, Outcome: attribution.OutcomeLater},
		}}
	manual := attribution.Decision{CustomerID: "cus_2", Attributed: true, PartnerID: "p_2", Source: attribution.SourceManual, TouchedAt: now,
		Candidates: []attribution.Candidate{
			{Source: attribution.SourceInvite, PartnerID: "p_1", TouchedAt: now, Outcome: attribution.OutcomeOverridden},
			{Source: attribution.SourceManual, PartnerID: "p_2", TouchedAt: now, Outcome: attribution.OutcomeWon},
		}}
	commission := ledger.Line{ID: "c-pay_1", Kind: ledger.KindCommission, PartnerID: "p_1", PaymentID: "pay_1", CustomerID: "cus_1",
		Currency: "USD", Amount: 2475, At: now.UnixMilli()}
	reversal := ledger.Line{ID: "r-ref_1", Kind: ledger.KindReversal, PartnerID: "p_1", PaymentID: "pay_1", RefundID: "ref_1",
		CustomerID: "cus_1", Currency: "USD", Amount: -2475, At: now.UnixMilli()}
	stmt := ledger.Statement{ID: ledger.StatementID("2026-10", "USD", "p_1"), PartnerID: "p_1", Period: "2026-10", Currency: "USD",
		Totals: ledger.Totals{Earned: 2475, Reversed: 0, CarriedIn: 100, Lines: 1}, Status: ledger.StatusPayable}
	held := stmt
	held.Status = ledger.StatusOnHold
	paid := stmt
	paid.Status, paid.Reference = ledger.StatusPaid, "batch-7"
	return []events.Event{
		events.Enrolled(p, now), events.Enrolled(bare, now),
		events.Suspended(suspended, 2, now),
		events.Attributed(d, "c***@example.com", now.Add(-time.Minute), 0, now),
		events.Attributed(manual, "", now.Add(-time.Minute), 1, now),
		events.Line(commission, now), events.Line(reversal, now),
		events.Closed(stmt, now), events.Closed(held, now),
		events.Paid(paid, now),
	}
}

func TestEveryEventValidatesAgainstItsSchema(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range samples() {
		seen[e.Type] = true
		raw, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		if errs := validate(loadSchema(t, e.Type), v, "$"); len(errs) > 0 {
			t.Errorf("%s %s does not match its schema:\n%s\n%s", e.Type, e.ID, strings.Join(errs, "\n"), raw)
		}
	}
	for _, typ := range events.Types {
		if !seen[typ] {
			t.Errorf("no sample of %s", typ)
		}
	}
}

func TestSchemaFilesAreExactlyTheEventTypes(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "infra", "events", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, strings.TrimSuffix(filepath.Base(f), ".json"))
	}
	want := append([]string(nil), events.Types...)
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("schema files %v, want one per event type %v", got, want)
	}
}

// The validator itself must refuse what the schemas forbid, or the test
// above proves nothing.
func TestValidatorRefusesWrongEvents(t *testing.T) {
	schema := loadSchema(t, events.CommissionReversed)
	e := events.Line(ledger.Line{ID: "r-1", Kind: ledger.KindReversal, PartnerID: "p", PaymentID: "pay", RefundID: "ref",
		CustomerID: "c", Currency: "USD", Amount: -5, At: 1}, time.Unix(0, 0))
	mutations := map[string]func(m map[string]any){
		"extra property":  func(m map[string]any) { m["data"].(map[string]any)["email"] = "bob@example.com" },
		"missing refund":  func(m map[string]any) { delete(m["data"].(map[string]any), "refund_id") },
		"positive amount": func(m map[string]any) { m["data"].(map[string]any)["amount"] = 5.0 },
		"bad currency":    func(m map[string]any) { m["data"].(map[string]any)["currency"] = "usd" },
		"wrong type":      func(m map[string]any) { m["type"] = events.CommissionCreated },
		"bad id":          func(m map[string]any) { m["id"] = "123" },
		"local time":      func(m map[string]any) { m["created_at"] = "2026-01-01T00:00:00+01:00" },
	}
	for name, mutate := range mutations {
		t.Run(name, func(t *testing.T) {
			raw, _ := json.Marshal(e)
			var m map[string]any
			json.Unmarshal(raw, &m)
			mutate(m)
			if errs := validate(schema, m, "$"); len(errs) == 0 {
				t.Errorf("accepted %v", m)
			}
		})
	}
}
