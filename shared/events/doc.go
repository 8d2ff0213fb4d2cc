// Package events defines what partnerkit tells the outside world when its
// state changes: the event envelope, the seven event types and a
// constructor for each from the domain values that changed.
//
// Event ids are derived from the state change itself (a payment's line, a
// customer, a statement, a partner's status version) and the type, never
// drawn at random, so a retried webhook or a monthly run that runs again
// produces the same event under the same id, and consumers can drop
// duplicates by id. Payloads carry ids, amounts and times; never a
// customer's full email address and never a secret.
//
// The package is pure: the store writes events to its outbox in the same
// transaction as the change (dynamo.Outbox), and the webhook delivery and
// partner emails read them from there.
package events
