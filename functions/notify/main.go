// Command notify is the NotifyFunction Lambda: it reads the table's stream
// and sends partners their lifecycle emails for the outbox's new events.
package main

import (
	"partnerkit/shared/lambdamain"
	"partnerkit/shared/notify"
)

func main() { lambdamain.Start(notify.HandlerFromConfig) }
