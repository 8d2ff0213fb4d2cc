// Package signup is the signup webhook, POST /webhooks/signup (contract
// section 4): it verifies the Standard Webhooks signature on the raw body,
// gathers the customer's touches, lets package attribution decide, and
// writes the decision once per customer.
package signup
