// Command stripe is the StripeFunction Lambda: POST /webhooks/stripe, and
// the backfill invoked directly.
package main

import (
	"partnerkit/shared/lambdamain"
	"partnerkit/shared/stripehook"
)

func main() { lambdamain.Start(stripehook.FromConfig) }
