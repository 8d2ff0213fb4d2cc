// Command events is the EventsFunction Lambda: it takes the table's
// outbox items from its stream and the scheduler's minute, and delivers
// the events to the webhook endpoints.
package main

import (
	"partnerkit/shared/delivery"
	"partnerkit/shared/lambdamain"
)

func main() { lambdamain.Start(delivery.FromConfig) }
