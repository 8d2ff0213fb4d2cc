// Command billing is the BillingFunction Lambda: POST /webhooks/billing.
package main

import (
	"partnerkit/shared/billing"
	"partnerkit/shared/lambdamain"
)

func main() { lambdamain.Start(billing.FromConfig) }
