// Command hello is the smallest possible aws-lambda-go function. The cold
// start harness uses it as the lower bound: everything a real function
// spends on top of it is the cost of its own imports and init work.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

// handle returns a constant so the invoke does no work at all.
func handle(context.Context) (string, error) {
	return "hello", nil
}

func main() {
	lambda.Start(handle)
}
