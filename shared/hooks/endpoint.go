package hooks

import (
	"crypto/rand"
	"encoding/base64"
	"time"

	"partnerkit/shared/events"
)

// Endpoint statuses.
const (
	StatusEnabled  = "enabled"
	StatusDisabled = "disabled"
)

// Why an endpoint was disabled.
const (
	DisabledByAdmin = "admin"
	// DisabledFailing: every delivery failed for DisableAfter.
	DisabledFailing = "failing"
)

// Endpoint is a URL an admin registered to receive events.
type Endpoint struct {
	ID          string
	URL         string
	Description string
	Events      []string // event types it takes, at least one
	Status      string
	// DisabledReason says who disabled it, when disabled.
	DisabledReason string
	// Secret signs every delivery. After a rotation PreviousSecret signs
	// too until PreviousUntil, so receivers can switch without a gap.
	Secret         string
	PreviousSecret string
	PreviousUntil  time.Time
	// FailingSince is the first failure since the last success; zero while
	// deliveries succeed.
	FailingSince time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Wants reports whether the endpoint takes events of type typ (test events
// go to every endpoint).
func (e Endpoint) Wants(typ string) bool {
	if typ == events.TestType {
		return true
	}
	for _, t := range e.Events {
		if t == typ {
			return true
		}
	}
	return false
}

// Secrets are the secrets that sign a delivery at now: the current one
// and, within its grace period, the one it replaced.
func (e Endpoint) Secrets(now time.Time) []string {
	out := []string{e.Secret}
	if e.PreviousSecret != "" && now.Before(e.PreviousUntil) {
		out = append(out, e.PreviousSecret)
	}
	return out
}

// RotationGrace is how long a replaced secret keeps signing.
const RotationGrace = 24 * time.Hour

// NewSecret returns a new whsec_ secret: 32 random bytes in base64.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// NewID returns a new endpoint id.
func NewID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "ep_" + base32Lower(b)
}

// NewTestEventID returns the id of a new test event.
func NewTestEventID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "test_" + base32Lower(b)
}

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// Delivery is one event on its way to one endpoint, and its log entry.
type Delivery struct {
	EndpointID string
	EventID    string
	EventType  string
	PartnerID  string
	// Body is the event as sent, the same bytes on every attempt.
	Body []byte
	// CreatedAt is the event's; it orders a partner's deliveries.
	CreatedAt time.Time
	Status    string
	Attempts  int
	// LastCode is the last attempt's HTTP status (0: no response),
	// LastError why it failed without one, LastLatency its duration.
	LastCode      int
	LastError     string
	LastLatency   time.Duration
	FirstAttempt  time.Time
	LastAttempt   time.Time
	NextAttempt   time.Time
	DeliveredAt   time.Time
	RedeliveredBy string // the admin who asked for the last manual redelivery
}

// Queue names the queue a delivery waits in: one per partner per
// endpoint, so a partner's events arrive in order; an event of no partner
// waits alone.
func (d Delivery) Queue() string {
	if d.PartnerID != "" {
		return "p:" + d.PartnerID
	}
	return "e:" + d.EventID
}
