// Command center is the Partner Center function: GET /center/ and its assets.
package main

import (
	"partnerkit/shared/center"
	"partnerkit/shared/lambdamain"
)

func main() { lambdamain.Start(center.FromConfig) }
