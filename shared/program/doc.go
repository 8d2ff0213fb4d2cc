// Package program holds the partner program's settings: the commission
// rules an operator can change (a default rate and per-plan rates, each
// with a duration, a first-payment bounty, a cap per customer, the payout
// minimum per currency), versioned so a change applies only to payments
// recorded after it and every ledger line can say which version made it.
// It is pure: it checks a settings document and computes what a payment
// earns under it; the store keeps the versions.
package program
