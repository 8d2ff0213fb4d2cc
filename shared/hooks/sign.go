package hooks

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// Sign returns the Standard Webhooks headers of a delivery of body with
// id (the event id, the same on every attempt) at now, signed by every
// secret (space-separated signatures while a rotated secret is in its
// grace period).
func Sign(id string, now time.Time, body []byte, secrets []string) (http.Header, error) {
	var sigs []string
	for _, secret := range secrets {
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			return nil, fmt.Errorf("hooks: bad secret: %w", err)
		}
		sig, err := wh.Sign(id, now, body)
		if err != nil {
			return nil, fmt.Errorf("hooks: signing: %w", err)
		}
		sigs = append(sigs, sig)
	}
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	h.Set("webhook-signature", strings.Join(sigs, " "))
	h.Set("Content-Type", "application/json")
	return h, nil
}
