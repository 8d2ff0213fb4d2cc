// Command signup is the SignupFunction Lambda: POST /webhooks/signup.
package main

import (
	"partnerkit/shared/lambdamain"
	"partnerkit/shared/signup"
)

func main() { lambdamain.Start(signup.FromConfig) }
