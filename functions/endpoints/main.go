// Command endpoints is the EndpointsFunction Lambda: the admin API of
// outbound webhook endpoints and their delivery logs.
package main

import (
	"partnerkit/shared/endpoints"
	"partnerkit/shared/lambdamain"
)

func main() { lambdamain.Start(endpoints.FromConfig) }
