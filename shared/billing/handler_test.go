package billing_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"partnerkit/shared/billing/billingtest"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/payments"
	"partnerkit/shared/program"
)

var (
	oct      = time.Date(2026, 10, 3, 9, 0, 0, 0, time.UTC)
	signedUp = time.Date(2026, 9, 20, 9, 0, 0, 0, time.UTC)
)

// lines returns a partner's lines in a period's bucket, as "kind:amount".
func lines(t testing.TB, st *dynamo.Store, partnerID, period string) []string {
	t.Helper()
	ls, err := st.PartnerLines(context.Background(), partnerID, period)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, 0, len(ls))
	for _, l := range ls {
		out = append(out, fmt.Sprintf("%s:%s:%d", l.ID, l.Currency, l.Amount))
	}
	sort.Strings(out)
	return out
}

func TestPaymentsAndRefunds(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		st := dynamo.New(b.Client, b.Table)
		e := billingtest.New(t, st, oct.Add(time.Minute), 2500, 0)
		billingtest.Attribute(t, st, "cus_1", "pt_a", signedUp)

		r := e.Deliver(t, "msg_pay", billingtest.PaymentBody("pay_1", "cus_1", 9999, "usd", oct))
		if r.Status != 200 || fmt.Sprint(r.Body) != "map[payment_id:pay_1 recorded:true]" {
			t.Fatalf("payment = %d %v", r.Status, r.Body)
		}
		// Replays: same webhook-id and body, or the same payment under
		// another id (TestBillingWebhookIDReuse has the id with other
		// bodies).
		if r := e.Deliver(t, "msg_pay", billingtest.PaymentBody("pay_1", "cus_1", 9999, "usd", oct)); r.Status != 200 || fmt.Sprint(r.Body) != "map[payment_id:pay_1 recorded:true]" {
			t.Errorf("replay of msg_pay = %d %v, want the first response", r.Status, r.Body)
		}
		if r := e.Deliver(t, "", billingtest.PaymentBody("pay_1", "cus_1", 9999, "USD", oct)); r.Status != 200 || fmt.Sprint(r.Body) != "map[payment_id:pay_1 recorded:true]" {
			t.Errorf("same payment, new webhook-id = %d %v, want the first response", r.Status, r.Body)
		}
		if r := e.Deliver(t, "", billingtest.PaymentBody("pay_1", "cus_1", 5000, "USD", oct)); r.Status != 409 || r.Code() != "conflict" {
			t.Errorf("same payment id, other amount = %d %v; want 409 conflict", r.Status, r.Body)
		}
		// 9999 at 25% is 2500 (2499.75 rounded half up).
		if got, want := lines(t, st, "pt_a", "2026-10"), []string{"c_pay_1:USD:2500"}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("lines = %v, want %v", got, want)
		}

		// Partial refunds reverse cumulatively; the last brings the total
		// reversed to exactly the commission.
		e.Refund(t, "pay_1", "re_1", 3333, oct.Add(time.Hour))
		e.Refund(t, "pay_1", "re_2", 3333, oct.Add(2*time.Hour))
		if r := e.Deliver(t, "", billingtest.RefundBody("pay_1", "re_3", 3333, oct.Add(3*time.Hour))); r.Status != 200 {
			t.Fatalf("last refund = %d %v", r.Status, r.Body)
		}
		if r := e.Deliver(t, "", billingtest.RefundBody("pay_1", "re_4", 1, oct.Add(4*time.Hour))); r.Status != 400 || r.Code() != "invalid_request" {
			t.Errorf("refund beyond the amount = %d %v; want 400", r.Status, r.Body)
		}
		if r := e.Deliver(t, "", billingtest.RefundBody("pay_1", "re_1", 3000, oct.Add(time.Hour))); r.Status != 409 {
			t.Errorf("refund id reused with other data = %d %v; want 409", r.Status, r.Body)
		}
		want := []string{"c_pay_1:USD:2500", "r_re_1:USD:-833", "r_re_2:USD:-834", "r_re_3:USD:-833"}
		if got := lines(t, st, "pt_a", "2026-10"); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("lines = %v, want %v (nets to zero)", got, want)
		}
	})
}

func TestRefundBeforePayment(t *testing.T) {
	dynamotest.Each(t, testRefundBeforePayment)
}

func testRefundBeforePayment(t *testing.T, b dynamotest.Backend) {
	st := dynamo.New(b.Client, b.Table)
	e := billingtest.New(t, st, oct.Add(time.Hour), 2500, 0)
	billingtest.Attribute(t, st, "cus_1", "pt_a", signedUp)
	// Refunds arrive first; when the payment comes they apply in arrival
	// order up to its amount and the excess is rejected.
	e.Refund(t, "pay_9", "re_a", 6000, oct.Add(time.Minute))
	e.SetNow(oct.Add(2 * time.Hour))
	e.Refund(t, "pay_9", "re_b", 3000, oct.Add(time.Minute))
	e.SetNow(oct.Add(3 * time.Hour))
	e.Refund(t, "pay_9", "re_c", 2000, oct.Add(time.Minute))
	e.Pay(t, "pay_9", "cus_1", 10000, "EUR", oct)
	want := []string{"c_pay_9:EUR:2500", "r_re_a:EUR:-1500", "r_re_b:EUR:-750"}
	if got := lines(t, st, "pt_a", "2026-10"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("lines = %v, want %v (re_c rejected)", got, want)
	}
	lk, err := st.LookupBilling(context.Background(), "x", "pay_9", "re_c", "")
	if err != nil || lk.Refund == nil || lk.Refund.State != payments.RefundRejected || lk.Payment.Refunded != 9000 {
		t.Errorf("re_c = %+v, payment %+v, %v; want rejected and 9000 refunded", lk.Refund, lk.Payment, err)
	}
	// The remaining 1000 can still be refunded.
	e.Refund(t, "pay_9", "re_d", 1000, oct.Add(4*time.Hour))
	if got := lines(t, st, "pt_a", "2026-10"); len(got) != 4 || got[3] != "r_re_d:EUR:-250" {
		t.Errorf("after re_d lines = %v", got)
	}
}

func TestUnattributedAndLimits(t *testing.T) {
	b := dynamotest.Embedded(t)
	st := dynamo.New(b.Client, b.Table)
	e := billingtest.New(t, st, oct.Add(time.Hour), 2500, 3)
	billingtest.Attribute(t, st, "cus_none", "", signedUp)
	billingtest.Attribute(t, st, "cus_old", "pt_a", time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	e.Pay(t, "pay_none", "cus_none", 1000, "USD", oct)
	e.Pay(t, "pay_old", "cus_old", 1000, "USD", oct) // 4 months after signup, limit 3
	e.Pay(t, "pay_later", "cus_unknown", 1000, "USD", oct)
	if got := lines(t, st, "pt_a", "2026-10"); len(got) != 0 {
		t.Errorf("lines = %v, want none", got)
	}
	lk, _ := st.LookupBilling(context.Background(), "x", "pay_later", "", "")
	if lk.Payment == nil || lk.Payment.State != payments.PaymentPending {
		t.Errorf("payment before signup = %+v, want pending", lk.Payment)
	}
	ids, err := st.PendingPayments(context.Background(), []string{"2026-10"})
	if err != nil || fmt.Sprint(ids) != "[{pay_later 2026-10}]" {
		t.Errorf("pending = %v, %v", ids, err)
	}
}

func TestBadBillingInput(t *testing.T) {
	b := dynamotest.Embedded(t)
	st := dynamo.New(b.Client, b.Table)
	e := billingtest.New(t, st, oct.Add(time.Hour), 2500, 0)
	pay := func(amount, currency string) string {
		return fmt.Sprintf(`{"type":"payment.succeeded","timestamp":"2026-10-03T09:00:00Z","data":{"payment_id":"p_bad","customer_id":"c","amount":%s,"currency":%q,"paid_at":"2026-10-03T09:00:00Z"}}`, amount, currency)
	}
	tests := map[string]string{
		"negative amount":     pay("-100", "USD"),
		"zero amount":         pay("0", "USD"),
		"fractional amount":   pay("99.5", "USD"),
		"exponent amount":     pay("1e3", "USD"),
		"string amount":       pay(`"100"`, "USD"),
		"huge amount":         pay("100000000000000000", "USD"),
		"unknown currency":    pay("100", "XYZ"),
		"unknown type":        strings.Replace(pay("100", "USD"), "payment.succeeded", "payment.failed", 1),
		"impossible date":     strings.Replace(pay("100", "USD"), `"paid_at":"2026-10-03T09:00:00Z"`, `"paid_at":"2026-02-30T09:00:00Z"`, 1),
		"paid next month":     strings.Replace(pay("100", "USD"), `"paid_at":"2026-10-03T09:00:00Z"`, `"paid_at":"2026-11-03T09:00:00Z"`, 1),
		"paid in 2000":        strings.Replace(pay("100", "USD"), `"paid_at":"2026-10-03T09:00:00Z"`, `"paid_at":"2000-01-03T09:00:00Z"`, 1),
		"missing customer_id": strings.Replace(pay("100", "USD"), `"customer_id":"c",`, "", 1),
		"customer_id with #":  strings.Replace(pay("100", "USD"), `"customer_id":"c"`, `"customer_id":"c#1"`, 1),
		"customer_id spaces":  strings.Replace(pay("100", "USD"), `"customer_id":"c"`, `"customer_id":"   "`, 1),
		"customer_id of 256":  strings.Replace(pay("100", "USD"), `"customer_id":"c"`, `"customer_id":"`+strings.Repeat("c", 256)+`"`, 1),
		"payment_id accented": strings.Replace(pay("100", "USD"), `"payment_id":"p_bad"`, `"payment_id":"p_bäd"`, 1),
		"payment_id space":    strings.Replace(pay("100", "USD"), `"payment_id":"p_bad"`, `"payment_id":"p bad"`, 1),
		"refund_id with #":    `{"type":"payment.refunded","timestamp":"2026-10-03T09:00:00Z","data":{"payment_id":"p_bad","refund_id":"r#1","amount":5,"refunded_at":"2026-10-03T09:00:00Z"}}`,
		"refunded in 9999":    `{"type":"payment.refunded","timestamp":"2026-10-03T09:00:00Z","data":{"payment_id":"p_bad","refund_id":"r1","amount":5,"refunded_at":"9999-10-03T09:00:00Z"}}`,
		"paid in year 1":      strings.Replace(pay("100", "USD"), `"paid_at":"2026-10-03T09:00:00Z"`, `"paid_at":"0001-01-01T00:00:00Z"`, 1),
		"refund no refund_id": `{"type":"payment.refunded","timestamp":"2026-10-03T09:00:00Z","data":{"payment_id":"p_bad","amount":5,"refunded_at":"2026-10-03T09:00:00Z"}}`,
		"not json":            `{"type":`,
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			if r := e.Deliver(t, "msg_bad", body); r.Status != 400 || r.Code() != "invalid_request" {
				t.Errorf("got %d %v, want 400 invalid_request", r.Status, r.Body)
			}
		})
	}
	if w, ok, err := st.FirstResponse(context.Background(), "billing", "msg_bad"); ok || err != nil {
		t.Errorf("a refused delivery stored a response: %+v %v", w, err)
	}
	if lk, _ := st.LookupBilling(context.Background(), "x", "p_bad", "", ""); lk.Payment != nil {
		t.Errorf("a refused delivery stored payment %+v", lk.Payment)
	}
}

// TestConcurrentReplays: the same payment and the same refunds delivered
// many times at once, under different webhook-ids, make exactly one line each.
func TestConcurrentReplays(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		st := dynamo.New(b.Client, b.Table)
		e := billingtest.New(t, st, oct.Add(time.Hour), 2500, 0)
		billingtest.Attribute(t, st, "cus_r", "pt_r", signedUp)
		n := 100
		if b.Name == "embedded" {
			n = 200
		}
		var wg sync.WaitGroup
		statuses := make(chan int, 3*n)
		for i := range 3 * n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var body string
				switch i % 3 {
				case 0:
					body = billingtest.PaymentBody("pay_r", "cus_r", 10000, "USD", oct)
				case 1:
					body = billingtest.RefundBody("pay_r", "re_r1", 4000, oct.Add(time.Minute))
				default:
					body = billingtest.RefundBody("pay_r", "re_r2", 6000, oct.Add(2*time.Minute))
				}
				statuses <- e.Deliver(t, "", body).Status
			}()
		}
		wg.Wait()
		close(statuses)
		for s := range statuses {
			if s != 200 {
				t.Errorf("a delivery answered %d, want 200", s)
			}
		}
		got := lines(t, st, "pt_r", "2026-10")
		want := []string{"c_pay_r:USD:2500", "r_re_r1:USD:-1000", "r_re_r2:USD:-1500"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("lines = %v, want %v", got, want)
		}
		var sum int64
		ls, _ := st.PartnerLines(context.Background(), "pt_r", "2026-10")
		for _, l := range ls {
			sum += l.Amount
		}
		if sum != 0 {
			t.Errorf("a fully refunded payment nets %d, want 0", sum)
		}
	})
}

// TestManyHeldRefunds: the most refunds that can be held for one payment
// all apply in one transaction when it arrives; one more is refused.
func TestManyHeldRefunds(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		st := dynamo.New(b.Client, b.Table)
		e := billingtest.New(t, st, oct.Add(20*24*time.Hour), 2500, 0)
		// The largest transaction: a second tier, and refunds on as
		// many days.
		s := program.FromEnvironment(2500, 0, 0)
		s.Version, s.SecondTier = 2, &program.SecondTier{BPS: 1000}
		save(t, st, s)
		enroll(t, st, "pt_r", "rcode", "user_r")
		enroll(t, st, "pt_h", "hcode", "user_h")
		signUp(t, st, "user_h", "rcode", signedUp)
		signUp(t, st, "cus_h", "hcode", signedUp)
		for i := range dynamo.MaxHeldRefunds {
			e.Refund(t, "pay_h", fmt.Sprintf("re_h%02d", i), 100000/dynamo.MaxHeldRefunds, oct.Add(time.Duration(i)*18*time.Hour))
		}
		if r := e.Deliver(t, "", billingtest.RefundBody("pay_h", "re_over", 10, oct)); r.Status != 400 {
			t.Errorf("one held refund too many = %d %v, want 400", r.Status, r.Body)
		}
		e.Pay(t, "pay_h", "cus_h", 100000, "USD", oct)
		if got := lines(t, st, "pt_h", "2026-10"); len(got) != 1+dynamo.MaxHeldRefunds {
			t.Errorf("%d lines, want the commission and %d reversals", len(got), dynamo.MaxHeldRefunds)
		}
		if got := lines(t, st, "pt_r", "2026-10"); len(got) != 1+dynamo.MaxHeldRefunds {
			t.Errorf("%d second-tier lines, want the override and %d reversals", len(got), dynamo.MaxHeldRefunds)
		}
	})
}

// TestBillingWebhookIDReuse: a webhook-id seen before answers its first
// response again for the same raw body and 409 conflict for any other,
// changing nothing either way.
func TestBillingWebhookIDReuse(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		e := billingtest.New(t, st, oct.Add(time.Minute), 2500, 0)
		billingtest.Attribute(t, st, "cus_1", "pt_a", signedUp)
		const id = "evt_pay.retry-1"
		body := billingtest.PaymentBody("pay_1", "cus_1", 9999, "USD", oct)
		if r := e.Deliver(t, id, body); r.Status != 200 {
			t.Fatalf("first delivery = %d %v", r.Status, r.Body)
		}
		// A response stored before bodies were hashed has no hash: it
		// answers whatever body comes under its id, as it did then.
		legacy := dynamo.WebhookResponse{Endpoint: "billing", ID: "msg_legacy", Status: 200, Body: `{"payment_id":"pay_old","recorded":true}`}
		if _, err := st.SaveWebhookResponse(ctx, legacy, oct); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name, id, body string
			status         int
			want           string // the answer's body, or its error code
		}{
			{"same body", id, body, 200, "map[payment_id:pay_1 recorded:true]"},
			{"other amount", id, billingtest.PaymentBody("pay_1", "cus_1", 1, "USD", oct), 409, "conflict"},
			{"other payment", id, billingtest.PaymentBody("pay_2", "cus_1", 5000, "USD", oct), 409, "conflict"},
			{"a refund", id, billingtest.RefundBody("pay_1", "re_1", 100, oct.Add(time.Second)), 409, "conflict"},
			{"a body it would refuse", id, `{"type":`, 409, "conflict"},
			{"stored without a hash", "msg_legacy", billingtest.PaymentBody("pay_3", "cus_1", 5000, "USD", oct), 200, "map[payment_id:pay_old recorded:true]"},
			{"stored without a hash, refused body", "msg_legacy", `{"type":`, 200, "map[payment_id:pay_old recorded:true]"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := e.Deliver(t, tt.id, tt.body)
				got := fmt.Sprint(r.Body)
				if r.Code() != "" {
					got = r.Code()
				}
				if r.Status != tt.status || got != tt.want {
					t.Errorf("got %d %s, want %d %s", r.Status, got, tt.status, tt.want)
				}
			})
		}

		// Nothing changed: one commission line, and no other payment or
		// refund recorded.
		if got, want := lines(t, st, "pt_a", "2026-10"), []string{"c_pay_1:USD:2500"}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("lines = %v, want %v", got, want)
		}
		for _, p := range []string{"pay_2", "pay_3"} {
			if lk, err := st.LookupBilling(ctx, "x", p, "re_1", ""); err != nil || lk.Payment != nil || lk.Refund != nil {
				t.Errorf("%s: payment %+v, refund %+v, %v; want none recorded", p, lk.Payment, lk.Refund, err)
			}
		}
	})
}

// TestConcurrentDistinctRefunds: many different refunds of one payment at
// once contend for the same item. Each is recorded or answered 429 with
// Retry-After for its sender to retry, never 500; after the retries every
// refund is recorded exactly once.
func TestConcurrentDistinctRefunds(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		st := dynamo.New(b.Client, b.Table)
		e := billingtest.New(t, st, oct.Add(time.Hour), 2500, 0)
		billingtest.Attribute(t, st, "cus_c", "pt_c", signedUp)
		e.Pay(t, "pay_c", "cus_c", 10000, "USD", oct)
		const n = 50
		var wg sync.WaitGroup
		replies := make([]billingtest.Reply, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				replies[i] = e.Deliver(t, "", billingtest.RefundBody("pay_c", fmt.Sprintf("re_c%02d", i), 100, oct.Add(time.Duration(i)*time.Second)))
			}()
		}
		wg.Wait()
		for i, r := range replies {
			switch {
			case r.Status == 200:
			case r.Status == 429 && r.Code() == "rate_limited" && r.Headers["Retry-After"] != "":
				e.Refund(t, "pay_c", fmt.Sprintf("re_c%02d", i), 100, oct.Add(time.Duration(i)*time.Second))
			default:
				t.Errorf("refund %d answered %d %v, want 200, or 429 with Retry-After", i, r.Status, r.Body)
			}
		}
		ls, err := st.PartnerLines(context.Background(), "pt_c", "2026-10")
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for _, l := range ls {
			sum += l.Amount
		}
		// 2500 earned, half the payment refunded: 1250 reversed.
		if len(ls) != 1+n || sum != 1250 {
			t.Errorf("%d lines summing to %d, want %d lines summing to 1250", len(ls), sum, 1+n)
		}
	})
}
