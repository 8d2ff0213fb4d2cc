// Package endpoints is the admin API of outbound webhooks: register,
// list, read, change, disable and delete endpoints, rotate their secrets,
// send a test event, and read each endpoint's delivery log with manual
// redelivery. Every route is for admins only (403 otherwise). A secret is
// shown once, when it is made; no other answer carries it.
//
// Routes (contract issue 13):
//
//	POST   /webhook-endpoints
//	GET    /webhook-endpoints
//	GET    /webhook-endpoints/{id}
//	PATCH  /webhook-endpoints/{id}
//	DELETE /webhook-endpoints/{id}
//	POST   /webhook-endpoints/{id}/rotate
//	POST   /webhook-endpoints/{id}/test
//	GET    /webhook-endpoints/{id}/deliveries
//	POST   /webhook-endpoints/{id}/deliveries/{event_id}/redeliver
package endpoints
