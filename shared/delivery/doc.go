// Package delivery sends the events of the outbox to the webhook
// endpoints admins registered: Dispatch fans an outbox item's events out
// to the endpoints that take them (once per event and endpoint) and then
// removes the item; Work attempts the due queues, one partner's events to
// one endpoint at a time and in order, signed per Standard Webhooks, and
// schedules retries; Drain does both until nothing is due, for the local
// stack and the scheduled sweep in AWS. Connections are checked at dial
// time, so a host that resolves to a private address later is refused
// then too.
package delivery
