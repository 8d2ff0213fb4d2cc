package stripehook

import (
	"errors"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v82"

	"partnerkit/shared/billing"
	"partnerkit/shared/emailaddr"
	"partnerkit/shared/ledger"
	"partnerkit/shared/program"
	"partnerkit/shared/referral"
	"partnerkit/shared/signup"
	"partnerkit/shared/validate"
)

// Metadata keys a SaaS sets on Stripe objects: the visitor id partnerkit
// put on the landing URL (pk_vid) and a referral code the customer typed.
const (
	MetaVisitor = "pk_vid"
	MetaCode    = "pk_code"
)

// Why an event, or a part of it, records nothing. Each is answered 200, so
// Stripe does not retry what a retry cannot change, and logged.
const (
	skipNoReferral   = "no_referral"       // a signup without pk_vid or pk_code
	skipNoCustomer   = "no_customer"       // nothing names a Stripe customer
	skipNotPaid      = "not_paid"          // an invoice not paid, a refund not succeeded, a dispute not lost
	skipZero         = "zero_amount"       // $0 invoices, fully taxed amounts
	skipNoInvoice    = "no_invoice"        // a refund of a payment no invoice was paid by
	skipInexact      = "inexact_amount"    // no exact ISO 4217 amount
	skipCurrency     = "currency_mismatch" // a refund in another currency than its invoice
	skipOutOfRange   = "out_of_range"      // ids or times partnerkit refuses on every route
	skipNoAPIKey     = "no_api_key"        // needs STRIPE_API_KEY, which is not set
	skipUnknownEvent = "unused_event"      // an event type this endpoint does not use
)

// skip is a reason to record nothing.
type skip string

func (s skip) Error() string { return "stripehook: skipped: " + string(s) }

// reason returns the skip reason of err, or "".
func reason(err error) string {
	var s skip
	if errors.As(err, &s) {
		return string(s)
	}
	return ""
}

func unix(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

// signupFrom builds the signup of a Stripe customer: the visitor id and
// referral code as a SaaS passed them, the customer's email and time.
// Malformed visitor ids and codes are dropped, as the signup webhook
// drops them; a customer without either records nothing.
func signupFrom(customerID, email, visitor, code string, created int64, now time.Time) (signup.Event, error) {
	ev := signup.Event{CustomerID: customerID, CreatedAt: unix(created)}
	if referral.ValidVisitorID(visitor) {
		ev.VisitorID = visitor
	}
	if c, ok := referral.NormalizeCode(strings.TrimSpace(code)); ok {
		ev.Code = c
	}
	if ev.VisitorID == "" && ev.Code == "" {
		return signup.Event{}, skip(skipNoReferral)
	}
	if customerID == "" {
		return signup.Event{}, skip(skipNoCustomer)
	}
	if validate.ExternalID(customerID) != nil || validate.RecentTime(ev.CreatedAt, now) != nil {
		return signup.Event{}, skip(skipOutOfRange)
	}
	// Stripe accepts addresses partnerkit would not; an unusable one only
	// means no invite or self-referral can match.
	ev.Email, _ = emailaddr.Normalize(email)
	return ev, nil
}

// checkoutSignup maps a completed Checkout Session: client_reference_id
// (or metadata.pk_vid) is the visitor, metadata.pk_code a typed code.
func checkoutSignup(s *stripe.CheckoutSession, now time.Time) (signup.Event, error) {
	visitor := s.ClientReferenceID
	if !referral.ValidVisitorID(visitor) {
		visitor = s.Metadata[MetaVisitor]
	}
	email := s.CustomerEmail
	if s.CustomerDetails != nil && s.CustomerDetails.Email != "" {
		email = s.CustomerDetails.Email
	}
	customerID := ""
	if s.Customer != nil {
		customerID = s.Customer.ID
	}
	return signupFrom(customerID, email, visitor, s.Metadata[MetaCode], s.Created, now)
}

// customerSignup maps a created or updated Customer by its metadata.
func customerSignup(c *stripe.Customer, now time.Time) (signup.Event, error) {
	return signupFrom(c.ID, c.Email, c.Metadata[MetaVisitor], c.Metadata[MetaCode], c.Created, now)
}

// invoiceAmounts returns an invoice's currency, what was paid (gross) and
// its part net of tax, both in ISO 4217 minor units. Tax on an invoice
// partly paid from the customer's credit balance counts in proportion.
func invoiceAmounts(inv *stripe.Invoice) (code string, gross, net int64, err error) {
	var tax int64
	for _, t := range inv.TotalTaxes {
		if t != nil {
			tax += t.Amount
		}
	}
	if inv.AmountPaid > 0 && inv.Total > 0 && inv.AmountPaid < inv.Total {
		tax = mulDiv(tax, inv.AmountPaid, inv.Total, true)
	}
	code, gross, err = isoAmount(string(inv.Currency), inv.AmountPaid)
	if err != nil {
		return "", 0, 0, err
	}
	_, num, den, _ := scale(code)
	// Tax is what Stripe computed, to its own unit: rounded to ISO's.
	net = gross - mulDiv(tax, num, den, true)
	return code, gross, net, nil
}

// invoicePayment maps a paid invoice to a payment: the invoice id is the
// payment id, the amount is what was paid net of tax.
func invoicePayment(inv *stripe.Invoice, now time.Time) (billing.Event, error) {
	if inv.Status != stripe.InvoiceStatusPaid {
		return billing.Event{}, skip(skipNotPaid)
	}
	if inv.Customer == nil || inv.Customer.ID == "" {
		return billing.Event{}, skip(skipNoCustomer)
	}
	code, _, net, err := invoiceAmounts(inv)
	switch {
	case errors.Is(err, errInexact):
		return billing.Event{}, skip(skipInexact)
	case err != nil:
		return billing.Event{}, skip(skipOutOfRange)
	case inv.AmountPaid <= 0 || net <= 0:
		return billing.Event{}, skip(skipZero)
	}
	paid := inv.Created
	if inv.StatusTransitions != nil && inv.StatusTransitions.PaidAt > 0 {
		paid = inv.StatusTransitions.PaidAt
	}
	ev := billing.Event{
		Type: billing.TypePaymentSucceeded, PaymentID: inv.ID, CustomerID: inv.Customer.ID,
		Currency: code, Amount: net, At: unix(paid), Plan: invoicePlan(inv),
	}
	if validate.ExternalID(ev.PaymentID) != nil || validate.ExternalID(ev.CustomerID) != nil ||
		validate.RecentTime(ev.At, now) != nil || ledger.CheckAmount(net) != nil {
		return billing.Event{}, skip(skipOutOfRange)
	}
	return ev, nil
}

// invoicePlan is the plan key of an invoice: the product of its largest
// priced line (a subscription's plan, not its add-ons), lower-cased as
// plan keys are; "" when no line names a product, which earns the default
// rate.
func invoicePlan(inv *stripe.Invoice) string {
	if inv.Lines == nil {
		return ""
	}
	var plan string
	var most int64
	for _, l := range inv.Lines.Data {
		if l == nil || l.Pricing == nil || l.Pricing.PriceDetails == nil || l.Pricing.PriceDetails.Product == "" {
			continue
		}
		if plan == "" || l.Amount > most {
			plan, most = program.PlanKey(l.Pricing.PriceDetails.Product), l.Amount
		}
	}
	return plan
}

// invoiceRefund maps money returned on an invoice's payment, a refund or
// a lost dispute (id, amount in Stripe's unit, time), to a refund of the
// invoice net of tax: the same share of it as of what was paid, rounded
// down so a series of partial refunds never passes the whole. It is
// capped at what is left of the payment when recorded.
func invoiceRefund(id string, currency string, amount, at int64, inv *stripe.Invoice, now time.Time) (billing.Event, error) {
	code, r, err := isoAmount(currency, amount)
	if errors.Is(err, errInexact) {
		return billing.Event{}, skip(skipInexact)
	} else if err != nil {
		return billing.Event{}, skip(skipOutOfRange)
	}
	invCode, gross, net, err := invoiceAmounts(inv)
	switch {
	case errors.Is(err, errInexact):
		return billing.Event{}, skip(skipInexact)
	case err != nil:
		return billing.Event{}, skip(skipOutOfRange)
	case invCode != code:
		return billing.Event{}, skip(skipCurrency)
	case gross <= 0 || net <= 0 || r <= 0:
		return billing.Event{}, skip(skipZero)
	}
	if net != gross {
		r = mulDiv(r, net, gross, false)
	}
	ev := billing.Event{
		Type: billing.TypePaymentRefunded, PaymentID: inv.ID, RefundID: id,
		Amount: r, At: unix(at), Capped: true,
	}
	if r <= 0 {
		return billing.Event{}, skip(skipZero)
	}
	if validate.ExternalID(ev.PaymentID) != nil || validate.ExternalID(ev.RefundID) != nil ||
		validate.RecentTime(ev.At, now) != nil || ledger.CheckAmount(r) != nil {
		return billing.Event{}, skip(skipOutOfRange)
	}
	return ev, nil
}

// paymentIntentOf returns the id of a payment intent reference, or "".
func paymentIntentOf(pi *stripe.PaymentIntent, ch *stripe.Charge) string {
	if pi != nil && pi.ID != "" {
		return pi.ID
	}
	if ch != nil && ch.PaymentIntent != nil {
		return ch.PaymentIntent.ID
	}
	return ""
}
