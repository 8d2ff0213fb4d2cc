package webhook_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"partnerkit/shared/webhook"
)

// TestOfficialLibrary checks deliveries both ways against the official
// Standard Webhooks Go library: what it signs verifies here, and what Sign
// makes verifies there. It is the interoperability the contract promises
// to senders using any Standard Webhooks library.
func TestOfficialLibrary(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	at := time.Unix(1614265330, 0)
	v, err := webhook.NewVerifier([]string{"whsec_" + strings.Repeat("B", 32), secret}, func() time.Time { return at.Add(time.Minute) })
	if err != nil {
		t.Fatal(err)
	}
	lib, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"type":"customer.created","data":{"customer_id":"cus_1"}}`)
	for _, id := range []string{"msg_p5jXN8AQM9LWM0D4loKWxJek", "evt_1.retry-1", "msg:2024-01-01", "a", strings.Repeat("x", 255)} {
		t.Run(id[:min(len(id), 20)], func(t *testing.T) {
			sig, err := lib.Sign(id, at, body)
			if err != nil {
				t.Fatal(err)
			}
			ts := strconv.FormatInt(at.Unix(), 10)
			if err := v.Verify(id, ts, "v1,"+strings.Repeat("A", 43)+"= "+sig, body); err != nil {
				t.Errorf("library signature %q: Verify = %v, want nil", sig, err)
			}

			ours, err := webhook.Sign(secret, id, at.Unix(), body)
			if err != nil {
				t.Fatal(err)
			}
			h := http.Header{}
			h.Set(standardwebhooks.HeaderWebhookID, id)
			h.Set(standardwebhooks.HeaderWebhookTimestamp, ts)
			h.Set(standardwebhooks.HeaderWebhookSignature, ours)
			// The library reads the clock itself; the timestamp is
			// checked above, by Verify.
			if err := lib.VerifyIgnoringTimestamp(body, h); err != nil {
				t.Errorf("Sign = %q: the library says %v", ours, err)
			}
		})
	}
}
