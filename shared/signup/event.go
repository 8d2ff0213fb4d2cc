package signup

import (
	"encoding/json"
	"strings"
	"time"

	"partnerkit/shared/emailaddr"
	"partnerkit/shared/fault"
	"partnerkit/shared/referral"
	"partnerkit/shared/validate"
	"partnerkit/shared/webhook"
)

// EventType is the only event this endpoint takes.
const EventType = "customer.created"

type payload struct {
	Type      string          `json:"type"`
	Timestamp string          `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

type customerData struct {
	CustomerID   *string `json:"customer_id"`
	Email        *string `json:"email"`
	VisitorID    *string `json:"visitor_id"`
	ReferralCode *string `json:"referral_code"`
	CreatedAt    *string `json:"created_at"`
}

// Event is a checked customer.created webhook.
type Event struct {
	CustomerID string
	Email      string // normalized
	VisitorID  string // "" when absent or not a visitor id partnerkit issued
	Code       string // "" when absent or not a well-formed code
	CreatedAt  time.Time
}

func invalid(format string, args ...any) error {
	return fault.Invalid(format, args...)
}

// Decode parses and checks a webhook body received at now. Unknown fields are ignored, so
// senders can add their own; missing or malformed required fields are a
// 400 naming the field. A visitor id or referral code of the wrong shape
// is ignored rather than refused: it comes from a URL a visitor can edit,
// and the signup itself is still worth recording.
func Decode(body []byte, now time.Time) (Event, error) {
	var p payload
	if err := json.Unmarshal(body, &p); err != nil {
		return Event{}, invalid("The body is not a JSON webhook payload {\"type\",\"timestamp\",\"data\"}.")
	}
	if p.Type != EventType {
		return Event{}, invalid("Unknown event type %q: this endpoint takes %q.", p.Type, EventType)
	}
	if _, ok := webhook.ParseTime(p.Timestamp); !ok {
		return Event{}, invalid("timestamp must be an RFC 3339 time.")
	}
	var d customerData
	if len(p.Data) == 0 || json.Unmarshal(p.Data, &d) != nil {
		return Event{}, invalid("data must be an object with customer_id, email and created_at.")
	}
	var ev Event
	if d.CustomerID == nil || validate.ExternalID(*d.CustomerID) != nil {
		return Event{}, invalid("data.customer_id must be %s.", validate.IDRule)
	}
	ev.CustomerID = *d.CustomerID
	if d.Email == nil {
		return Event{}, invalid("data.email is required.")
	}
	email, err := emailaddr.Normalize(*d.Email)
	if err != nil {
		return Event{}, invalid("data.email is %s.", err)
	}
	ev.Email = email
	if d.CreatedAt == nil {
		return Event{}, invalid("data.created_at is required.")
	}
	created, ok := webhook.ParseTime(*d.CreatedAt)
	if !ok {
		return Event{}, invalid("data.created_at must be an RFC 3339 time, like 2026-11-24T10:15:30Z.")
	}
	if validate.RecentTime(created, now) != nil {
		return Event{}, invalid("data.created_at must be %s.", validate.TimeRule)
	}
	ev.CreatedAt = created.UTC()
	if d.VisitorID != nil && referral.ValidVisitorID(*d.VisitorID) {
		ev.VisitorID = *d.VisitorID
	}
	if d.ReferralCode != nil {
		if code, ok := referral.NormalizeCode(strings.TrimSpace(*d.ReferralCode)); ok {
			ev.Code = code
		}
	}
	return ev, nil
}
