package billing_test

import (
	"testing"
	"time"

	"partnerkit/shared/billing/billingtest"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/program"
)

// TestRequestsPerPayment: the program's rules add no read to a payment
// (the settings are cached; the write checks their version), and the
// write units of a payment and a refund are reported.
//
//	DYNAMODB_TEST_ENDPOINT=... go test ./shared/billing -run RequestsPerPayment -v
func TestRequestsPerPayment(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		counter := dynamotest.NewCounter(b.Client)
		st := dynamo.New(counter, b.Table)
		e := billingtest.New(t, st, oct.Add(time.Hour), 2500, 0)
		e.Settings.TTL = time.Hour
		s := program.FromEnvironment(2500, 0, 0)
		s.Version, s.SecondTier = 2, &program.SecondTier{BPS: 1000}
		s.Bounty["USD"] = 500
		save(t, st, s)
		enroll(t, st, "pt_r", "rcode", "user_r")
		enroll(t, st, "pt_p", "pcode", "user_p")
		signUp(t, st, "user_p", "rcode", signedUp)
		signUp(t, st, "cus_1", "pcode", signedUp)
		e.Pay(t, "pay_0", "cus_1", 9900, "USD", oct) // loads the settings

		for _, step := range []struct {
			name string
			do   func()
		}{
			{"payment with a second tier", func() { e.Pay(t, "pay_1", "cus_1", 9900, "USD", oct) }},
			{"refund", func() { e.Refund(t, "pay_1", "re_1", 4950, oct.Add(time.Hour)) }},
		} {
			counter.Take()
			step.do()
			reads, rru := counter.Reads()
			calls, wru := counter.Writes()
			// One read: the batch of the delivery, the payment, the
			// customer and the ledger; no settings read.
			if reads != 1 {
				t.Errorf("%s: %d read requests, want 1 (settings read per payment?)", step.name, reads)
			}
			t.Logf("%s (%s): %d read request (%.1f RRU), %d write requests (%.1f WRU)", step.name, b.Name, reads, rru, calls, wru)
		}
	})
}
