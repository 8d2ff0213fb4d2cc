package billing

import (
	"strings"
	"testing"
	"time"
)

// data.plan: absent, null or blank is no plan (the default rule); a
// plan key matches without regard to case or surrounding spaces; anything
// else is refused, naming the field.
func TestDecodePlan(t *testing.T) {
	now := time.Date(2026, 10, 3, 10, 0, 0, 0, time.UTC)
	body := func(plan string) []byte {
		data := `"payment_id":"pay_1","customer_id":"cus_1","amount":100,"currency":"usd","paid_at":"2026-10-03T09:00:00Z"`
		if plan != "" {
			data += `,"plan":` + plan
		}
		return []byte(`{"type":"payment.succeeded","timestamp":"2026-10-03T09:00:00Z","data":{` + data + `}}`)
	}
	for _, tt := range []struct{ raw, want string }{
		{"", ""}, {`null`, ""}, {`""`, ""}, {`"   "`, ""},
		{`"PRO"`, "pro"}, {`" Pro "`, "pro"}, {`"prod_AbC.1-x"`, "prod_abc.1-x"},
		{`"` + strings.Repeat("a", 64) + `"`, strings.Repeat("a", 64)},
	} {
		ev, err := Decode(body(tt.raw), now)
		if err != nil || ev.Plan != tt.want {
			t.Errorf("plan %s: %q, %v; want %q", tt.raw, ev.Plan, err, tt.want)
		}
	}
	for _, raw := range []string{`42`, `true`, `{"id":"pro"}`, `["pro"]`, `"pro plan"`, `"-pro"`, `"pró"`, `"ｐｒｏ"`,
		`"` + strings.Repeat("a", 65) + `"`, `"pro\u0000"`} {
		if _, err := Decode(body(raw), now); err == nil || !strings.Contains(err.Error(), "data.plan") {
			t.Errorf("plan %s: %v, want a refusal naming data.plan", raw, err)
		}
	}
}
