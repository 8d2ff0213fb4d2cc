// Command partners is the PartnersFunction Lambda: enrollment, profile and stats.
package main

import (
	"partnerkit/shared/lambdamain"
	"partnerkit/shared/partners"
)

func main() { lambdamain.Start(partners.FromConfig) }
