package billing

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"partnerkit/shared/fault"
	"partnerkit/shared/ledger"
	"partnerkit/shared/program"
	"partnerkit/shared/validate"
	"partnerkit/shared/webhook"
)

// Event types this endpoint takes.
const (
	TypePaymentSucceeded = "payment.succeeded"
	TypePaymentRefunded  = "payment.refunded"
)

// Event is a checked billing webhook: a payment, or a refund when RefundID
// is set.
type Event struct {
	Type       string
	PaymentID  string
	RefundID   string
	CustomerID string // payments
	Currency   string // payments, upper case
	Amount     int64
	At         time.Time // paid_at or refunded_at
	// Plan is the payment's plan key, as program settings name plans ("":
	// none given; a plan without a rule earns the default rate).
	Plan string
	// Capped cuts a refund above what is left of its payment down to what
	// is left instead of refusing it: Stripe's refunds and lost disputes
	// have happened already, and their share net of tax may round past it.
	Capped bool
}

type payload struct {
	Type      string          `json:"type"`
	Timestamp string          `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

type data struct {
	PaymentID  *string         `json:"payment_id"`
	RefundID   *string         `json:"refund_id"`
	CustomerID *string         `json:"customer_id"`
	Amount     json.RawMessage `json:"amount"`
	Currency   *string         `json:"currency"`
	PaidAt     *string         `json:"paid_at"`
	RefundedAt *string         `json:"refunded_at"`
	Plan       json.RawMessage `json:"plan"`
}

// plan reads the optional data.plan: a plan key, matched without regard
// to case. Blank is no plan, as senders that always fill the field send
// it for a payment without one.
func plan(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", invalid("data.plan must be a string, the plan's key.")
	}
	if strings.TrimSpace(s) == "" {
		return "", nil
	}
	k := program.PlanKey(s)
	if k == "" {
		return "", invalid("data.plan must be 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit.")
	}
	return k, nil
}

func invalid(format string, args ...any) error {
	return fault.Invalid(format, args...)
}

// Decode parses and checks a billing webhook body received at now.
// Unknown fields are ignored; a missing or malformed required field is a
// 400 naming it.
func Decode(body []byte, now time.Time) (Event, error) {
	var p payload
	if err := json.Unmarshal(body, &p); err != nil {
		return Event{}, invalid("The body is not a JSON webhook payload {\"type\",\"timestamp\",\"data\"}.")
	}
	if p.Type != TypePaymentSucceeded && p.Type != TypePaymentRefunded {
		return Event{}, invalid("Unknown event type %q: this endpoint takes %q and %q.", p.Type, TypePaymentSucceeded, TypePaymentRefunded)
	}
	if _, ok := webhook.ParseTime(p.Timestamp); !ok {
		return Event{}, invalid("timestamp must be an RFC 3339 time.")
	}
	var d data
	if len(p.Data) == 0 || json.Unmarshal(p.Data, &d) != nil {
		return Event{}, invalid("data must be an object.")
	}
	ev := Event{Type: p.Type}
	var err error
	if ev.PaymentID, err = id("payment_id", d.PaymentID); err != nil {
		return Event{}, err
	}
	if ev.Amount, err = amount(d.Amount); err != nil {
		return Event{}, err
	}
	if p.Type == TypePaymentSucceeded {
		if ev.CustomerID, err = id("customer_id", d.CustomerID); err != nil {
			return Event{}, err
		}
		if d.Currency == nil {
			return Event{}, invalid("data.currency is required.")
		}
		if ev.Currency, err = ledger.Currency(*d.Currency); err != nil {
			return Event{}, invalid("data.currency %q is %s.", *d.Currency, err)
		}
		if ev.Plan, err = plan(d.Plan); err != nil {
			return Event{}, err
		}
		ev.At, err = at("paid_at", d.PaidAt, now)
		return ev, err
	}
	if ev.RefundID, err = id("refund_id", d.RefundID); err != nil {
		return Event{}, err
	}
	ev.At, err = at("refunded_at", d.RefundedAt, now)
	return ev, err
}

// id checks an external id by the rule every route shares.
func id(name string, v *string) (string, error) {
	if v == nil || validate.ExternalID(*v) != nil {
		return "", invalid("data.%s must be %s.", name, validate.IDRule)
	}
	return *v, nil
}

// amount accepts only a JSON integer literal: 99.5, 1e3, "100" and
// negative numbers are refused, not rounded.
func amount(raw json.RawMessage) (int64, error) {
	s := string(raw)
	a, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ledger.CheckAmount(a) != nil {
		return 0, invalid("data.amount must be a positive integer of minor units (cents for USD), at most %d.", int64(ledger.MaxAmount))
	}
	return a, nil
}

func at(name string, v *string, now time.Time) (time.Time, error) {
	if v == nil {
		return time.Time{}, invalid("data.%s is required.", name)
	}
	t, ok := webhook.ParseTime(*v)
	if !ok {
		return time.Time{}, invalid("data.%s must be an RFC 3339 time, like 2026-11-24T10:15:30Z.", name)
	}
	// A line dated far back or ahead would sit in a month no close reaches.
	if validate.RecentTime(t, now) != nil {
		return time.Time{}, invalid("data.%s must be %s.", name, validate.TimeRule)
	}
	return t.UTC().Truncate(time.Millisecond), nil
}
