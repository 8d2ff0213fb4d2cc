// Command accrual is the AccrualFunction Lambda: the monthly run that closes a period into statements.
package main

import (
	"partnerkit/shared/accrual"
	"partnerkit/shared/lambdamain"
)

func main() { lambdamain.Start(accrual.FromConfig) }
