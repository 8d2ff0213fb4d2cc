// Package payments holds the paid membership fees partnerkit earns on
// (contract sections 4 and 5): payments and refunds with their states,
// the customer a payment belongs to, and the one decision of whether a
// payment earns, and for whom. It is pure: the billing webhook and the
// monthly run both decide with it, and the store only keeps the result.
package payments
