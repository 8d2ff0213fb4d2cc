// Command invites is the InvitesFunction Lambda: POST /partners/{id}/invites,
// invite emails through SES v2.
package main

import (
	"partnerkit/shared/invites"
	"partnerkit/shared/lambdamain"
)

func main() { lambdamain.Start(invites.FromConfig) }
