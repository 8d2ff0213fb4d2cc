// Package stripehook is the native Stripe connector, POST /webhooks/stripe
// (contract section 10): it verifies Stripe's own webhook deliveries with
// stripe-go, maps Checkout sessions and customers to signups, paid
// invoices to payments, and refunds and lost disputes to refunds of their
// invoice, and hands each to the same recorders the signed webhooks use
// (signup.Recorder, billing.Recorder), so there is one attribution
// decision and one ledger. A backfill reads what the webhooks missed from
// Stripe's API and records it the same way.
package stripehook
