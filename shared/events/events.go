package events

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"partnerkit/shared/attribution"
	"partnerkit/shared/ledger"
	"partnerkit/shared/partner"
)

// Event types.
const (
	PartnerEnrolled    = "partner.enrolled"
	PartnerSuspended   = "partner.suspended"
	CustomerAttributed = "customer.attributed"
	CommissionCreated  = "commission.created"
	CommissionReversed = "commission.reversed"
	StatementClosed    = "statement.closed"
	PayoutPaid         = "payout.paid"
)

// Types lists every event type, in the order the README documents them.
var Types = []string{
	PartnerEnrolled, PartnerSuspended, CustomerAttributed,
	CommissionCreated, CommissionReversed, StatementClosed, PayoutPaid,
}

// Known reports whether t is an event type.
func Known(t string) bool {
	for _, k := range Types {
		if k == t {
			return true
		}
	}
	return false
}

// Event is one thing that happened, as it is stored in the outbox and sent
// as a webhook body.
type Event struct {
	// ID is stable for the state change: the same change always yields the
	// same id (the Standard Webhooks webhook-id of every delivery of it).
	ID   string `json:"id"`
	Type string `json:"type"`
	// OccurredAt is when the change happened in the world (a payment's
	// paid_at, a refund's refunded_at); CreatedAt when partnerkit
	// recorded it. Deliveries to one endpoint follow CreatedAt per partner.
	OccurredAt time.Time `json:"occurred_at"`
	CreatedAt  time.Time `json:"created_at"`
	// PartnerID is the partner the event concerns, when there is one.
	PartnerID string          `json:"partner_id,omitempty"`
	Data      json.RawMessage `json:"data"`
}

// ID derives an event id from its type and the key of the state change
// (a line id, a customer id, a statement id, a partner id and version):
// "evt_" and 26 base32 characters of their SHA-256.
func ID(typ, key string) string {
	sum := sha256.Sum256([]byte(typ + "\x00" + key))
	enc := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:])
	return "evt_" + strings.ToLower(enc[:26])
}

// Times are written as RFC 3339 in UTC with milliseconds.
const timeFormat = "2006-01-02T15:04:05.000Z07:00"

// Time is a time as events write it.
type Time time.Time

// MarshalJSON writes t in UTC with milliseconds.
func (t Time) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Time(t).UTC().Format(timeFormat))
}

// MarshalJSON writes the envelope with its times in UTC milliseconds.
func (e Event) MarshalJSON() ([]byte, error) {
	type wire struct {
		ID         string          `json:"id"`
		Type       string          `json:"type"`
		OccurredAt Time            `json:"occurred_at"`
		CreatedAt  Time            `json:"created_at"`
		PartnerID  string          `json:"partner_id,omitempty"`
		Data       json.RawMessage `json:"data"`
	}
	data := e.Data
	if len(data) == 0 {
		data = json.RawMessage("{}")
	}
	return json.Marshal(wire{e.ID, e.Type, Time(e.OccurredAt), Time(e.CreatedAt), e.PartnerID, data})
}

func build(typ, key, partnerID string, occurred, created time.Time, data any) Event {
	raw, err := json.Marshal(data)
	if err != nil {
		// Every payload is a plain struct of strings, numbers and times.
		panic(fmt.Sprintf("events: encoding %s: %v", typ, err))
	}
	return Event{ID: ID(typ, key), Type: typ, OccurredAt: occurred.UTC(), CreatedAt: created.UTC(), PartnerID: partnerID, Data: raw}
}

// PartnerData is the data of partner.enrolled and partner.suspended.
type PartnerData struct {
	PartnerID string `json:"partner_id"`
	Code      string `json:"code"`
	Name      string `json:"name,omitempty"`
	// Email is the partner's own address (the SaaS's user), for the
	// SaaS to match its users; never a customer's.
	Email      string `json:"email,omitempty"`
	Status     string `json:"status"`
	EnrolledAt Time   `json:"enrolled_at"`
}

func partnerData(p partner.Partner) PartnerData {
	return PartnerData{PartnerID: p.ID, Code: p.Code, Name: p.Name, Email: p.Email, Status: p.Status, EnrolledAt: Time(p.CreatedAt)}
}

// Enrolled is partner.enrolled: p joined the program.
func Enrolled(p partner.Partner, now time.Time) Event {
	return build(PartnerEnrolled, p.ID, p.ID, p.CreatedAt, now, partnerData(p))
}

// Suspended is partner.suspended: p (as it now is) was suspended, its
// status changing for the version-th time. The version makes a second
// suspension after a reactivation a new event, and a retried request for
// the same change the same one.
func Suspended(p partner.Partner, version int64, now time.Time) Event {
	return build(PartnerSuspended, fmt.Sprintf("%s#%d", p.ID, version), p.ID, now, now, partnerData(p))
}

// Evidence is one touch considered for an attribution.
type Evidence struct {
	Source    string `json:"source"`
	PartnerID string `json:"partner_id"`
	TouchedAt Time   `json:"touched_at"`
	Outcome   string `json:"outcome"`
}

// AttributionData is the data of customer.attributed.
type AttributionData struct {
	CustomerID string `json:"customer_id"`
	PartnerID  string `json:"partner_id"`
	Source     string `json:"source"`
	TouchedAt  Time   `json:"touched_at"`
	// EmailHint is the customer's address masked (s***@example.com).
	EmailHint string     `json:"email_hint,omitempty"`
	LinkID    string     `json:"link_id,omitempty"`
	Sid       string     `json:"sid,omitempty"`
	Evidence  []Evidence `json:"evidence"`
}

// Attributed is customer.attributed: the customer of an attributed
// decision d now earns for d's partner. emailHint is the customer's
// address masked (emailaddr.Hint), never the address; version is 0 for
// the signup's own decision and the attribution's version for an admin's
// override of it.
func Attributed(d attribution.Decision, emailHint string, signupAt time.Time, version int64, now time.Time) Event {
	data := AttributionData{CustomerID: d.CustomerID, PartnerID: d.PartnerID, Source: d.Source, TouchedAt: Time(d.TouchedAt),
		LinkID: d.LinkID, Sid: d.Sid, EmailHint: emailHint, Evidence: []Evidence{}}
	for _, c := range d.Candidates {
		data.Evidence = append(data.Evidence, Evidence{Source: c.Source, PartnerID: c.PartnerID, TouchedAt: Time(c.TouchedAt), Outcome: c.Outcome})
	}
	key, occurred := d.CustomerID, signupAt
	if version > 0 {
		key, occurred = fmt.Sprintf("%s#%d", d.CustomerID, version), now
	}
	return build(CustomerAttributed, key, d.PartnerID, occurred, now, data)
}

// LineData is the data of commission.created and commission.reversed.
type LineData struct {
	LineID     string `json:"line_id"`
	PartnerID  string `json:"partner_id"`
	CustomerID string `json:"customer_id"`
	PaymentID  string `json:"payment_id"`
	RefundID   string `json:"refund_id,omitempty"`
	// Amount is in the currency's minor units; positive for a
	// commission, negative for a reversal, as on the ledger.
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	At       Time   `json:"at"`
}

// Line is commission.created for a commission line and
// commission.reversed for a reversal. Line ids derive from their payment
// or refund, so each line is one event whoever records it.
func Line(l ledger.Line, now time.Time) Event {
	typ := CommissionCreated
	if l.Kind == ledger.KindReversal {
		typ = CommissionReversed
	}
	at := time.UnixMilli(l.At)
	return build(typ, l.ID, l.PartnerID, at, now, LineData{LineID: l.ID, PartnerID: l.PartnerID, CustomerID: l.CustomerID,
		PaymentID: l.PaymentID, RefundID: l.RefundID, Amount: l.Amount, Currency: l.Currency, At: Time(at)})
}

// Lines is Line for each line, in order. Lines recorded together are
// stamped a millisecond apart, so deliveries keep their order (a
// payment's commission before the reversals of its held refunds).
func Lines(lines []ledger.Line, now time.Time) []Event {
	out := make([]Event, 0, len(lines))
	for i, l := range lines {
		out = append(out, Line(l, now.Add(time.Duration(i)*time.Millisecond)))
	}
	return out
}

// StatementData is the data of statement.closed and payout.paid.
type StatementData struct {
	StatementID string `json:"statement_id"`
	PartnerID   string `json:"partner_id"`
	Period      string `json:"period"`
	Currency    string `json:"currency"`
	Earned      int64  `json:"earned"`
	Reversed    int64  `json:"reversed"`
	CarriedIn   int64  `json:"carried_in"`
	Total       int64  `json:"total"`
	// Status is payable, carried_forward or on_hold when closed, paid
	// when paid.
	Status    string `json:"status"`
	Reference string `json:"reference,omitempty"`
	PaidAt    *Time  `json:"paid_at,omitempty"`
}

func statementData(s ledger.Statement) StatementData {
	return StatementData{StatementID: s.ID, PartnerID: s.PartnerID, Period: s.Period, Currency: s.Currency,
		Earned: s.Earned, Reversed: s.Reversed, CarriedIn: s.CarriedIn, Total: s.Total(), Status: s.Status}
}

// Closed is statement.closed: the monthly run closed s. It happened at
// the end of the statement's period, and a run that writes the same
// statement again yields the same event.
func Closed(s ledger.Statement, now time.Time) Event {
	occurred := now
	if p, err := ledger.ParsePeriod(s.Period); err == nil {
		occurred = p.End()
	}
	return build(StatementClosed, s.ID, s.PartnerID, occurred, now, statementData(s))
}

// Paid is payout.paid: s (now paid, with its reference) was paid at now.
func Paid(s ledger.Statement, now time.Time) Event {
	data := statementData(s)
	data.Reference = s.Reference
	t := Time(now)
	data.PaidAt = &t
	return build(PayoutPaid, s.ID, s.PartnerID, now, now, data)
}

// TestType is the type of the event an admin sends to check an endpoint;
// endpoints cannot subscribe to it, every endpoint accepts it.
const TestType = "webhook.test"

// TestData is the data of a test event.
type TestData struct {
	EndpointID string `json:"endpoint_id"`
	Message    string `json:"message"`
}

// Test is a test event for an endpoint. Each test is a new event, so id
// is drawn by the caller.
func Test(id, endpointID string, now time.Time) Event {
	return build(TestType, id, "", now, now, TestData{EndpointID: endpointID, Message: "partnerkit test event"})
}
