// Command redirect is the RedirectFunction Lambda: GET and HEAD /r/{code}.
package main

import (
	"partnerkit/shared/lambdamain"
	"partnerkit/shared/redirect"
)

func main() { lambdamain.Start(redirect.FromConfig) }
