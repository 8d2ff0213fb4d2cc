// Command unsubscribe is the UnsubscribeFunction Lambda: GET and POST
// /u/{token}, the one-click unsubscribe link of invite emails.
package main

import (
	"partnerkit/shared/lambdamain"
	"partnerkit/shared/unsubscribe"
)

func main() { lambdamain.Start(unsubscribe.FromConfig) }
