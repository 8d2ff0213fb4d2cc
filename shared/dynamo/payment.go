package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/events"
	"partnerkit/shared/ledger"
	"partnerkit/shared/payments"
)

// MaxHeldRefunds bounds refunds held for one unknown payment: applying
// them writes the payment, its webhook response, the settings and period
// checks, the customer's counts, the commission and second-tier lines,
// both partners' pending totals and day rows (at most 5), one outbox item
// for all the lines' events, and per refund its record, the removal of its
// hold and two reversal lines: 15 + 4n items, within a transaction's 100.
const MaxHeldRefunds = 20

// Errors of the billing writes.
var (
	ErrPaymentChanged = errors.New("dynamo: the payment changed meanwhile")
	ErrTooManyHeld    = errors.New("dynamo: too many refunds held for one payment")
)

// BillingLookup is what a billing webhook reads first, in one request.
type BillingLookup struct {
	Replay   *WebhookResponse
	Payment  *payments.Payment
	Refund   *payments.Refund
	Customer *payments.Customer
	Ledger   ledger.State
}

const billingEndpoint = "billing"

// LookupBilling reads the billing webhook delivery's earlier response, the
// payment, the refund, the customer and the last closed period in one
// batch.
func (st *Store) LookupBilling(ctx context.Context, webhookID, paymentID, refundID, customerID string) (BillingLookup, error) {
	return st.LookupBillingFor(ctx, billingEndpoint, webhookID, paymentID, refundID, customerID)
}

// LookupBillingFor is LookupBilling for a delivery of another endpoint's
// webhook (Stripe's) that records payments and refunds the same way.
func (st *Store) LookupBillingFor(ctx context.Context, endpoint, webhookID, paymentID, refundID, customerID string) (BillingLookup, error) {
	keys := []map[string]types.AttributeValue{webhookKey(endpoint, webhookID), paymentKey(paymentID), ledgerKey}
	if refundID != "" {
		keys = append(keys, refundKey(refundID))
	}
	if customerID != "" {
		keys = append(keys, customerKey(customerID))
	}
	items, err := st.batchGet(ctx, keys)
	if err != nil {
		return BillingLookup{}, err
	}
	var lk BillingLookup
	if item, ok := items["WEBHOOK#"+endpoint+"#"+webhookID+"|WEBHOOK"]; ok {
		if w, ok := webhookFrom(endpoint, webhookID, item); ok {
			lk.Replay = &w
		}
	}
	if item, ok := items["PAYMENT#"+paymentID+"|PAYMENT"]; ok {
		p, err := paymentFrom(item)
		if err != nil {
			return BillingLookup{}, err
		}
		lk.Payment = &p
	}
	if item, ok := items["REFUND#"+refundID+"|REFUND"]; ok {
		r, err := refundFrom(item)
		if err != nil {
			return BillingLookup{}, err
		}
		lk.Refund = &r
	}
	if item, ok := items["CUSTOMER#"+customerID+"|ATTRIBUTION"]; ok {
		c, err := customerFrom(item)
		if err != nil {
			return BillingLookup{}, err
		}
		lk.Customer = &c
	}
	if item, ok := items["LEDGER|LEDGER"]; ok {
		lk.Ledger = ledgerFrom(item)
	}
	return lk, nil
}

func customerFrom(item map[string]types.AttributeValue) (payments.Customer, error) {
	d, err := decisionFrom(item)
	if err != nil {
		return payments.Customer{}, err
	}
	created, err := time.Parse(time.RFC3339Nano, str(item, "created_at"))
	if err != nil {
		return payments.Customer{}, fmt.Errorf("dynamo: malformed customer %s: %w", d.CustomerID, err)
	}
	c := payments.Customer{Decision: d, CreatedAt: created, Upline: str(item, "upline"), Earned: map[string]int64{}}
	pays, err := num(item, "pays")
	if err != nil {
		return payments.Customer{}, err
	}
	c.Pays = int(pays)
	for name := range item {
		if cur, ok := strings.CutPrefix(name, earnedSoFarPrefix); ok {
			if c.Earned[cur], err = num(item, name); err != nil {
				return payments.Customer{}, err
			}
		}
	}
	if t := str(item, "last_paid_at"); t != "" {
		if c.LastPaidAt, err = time.Parse(time.RFC3339Nano, t); err != nil {
			return payments.Customer{}, fmt.Errorf("dynamo: malformed customer %s: %w", d.CustomerID, err)
		}
	}
	return c, nil
}

func i64(v int64) types.AttributeValue { return n(strconv.FormatInt(v, 10)) }

func refundsAttr(rs []ledger.RefundEvent) types.AttributeValue {
	l := make([]types.AttributeValue, 0, len(rs))
	for _, r := range rs {
		l = append(l, &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"id": s(r.ID), "amount": i64(r.Amount), "at": i64(r.At)}})
	}
	return &types.AttributeValueMemberL{Value: l}
}

func paymentItem(p payments.Payment) map[string]types.AttributeValue {
	item := paymentKey(p.ID)
	item["payment_id"] = s(p.ID)
	item["customer_id"] = s(p.CustomerID)
	item["currency"] = s(p.Currency)
	item["amount"] = i64(p.Amount)
	item["paid_at"] = i64(p.PaidAt)
	item["state"] = s(p.State)
	item["commission"] = i64(p.Commission)
	item["refunded"] = i64(p.Refunded)
	item["reversed"] = i64(p.Reversed)
	if len(p.Refunds) > 0 {
		// No empty lists: the embedded store mishandles them on rollback.
		item["refunds"] = refundsAttr(p.Refunds)
	}
	item["held_count"] = i64(int64(p.HeldCount))
	item["version"] = i64(p.Version)
	if p.PartnerID != "" {
		item["partner_id"] = s(p.PartnerID)
	}
	if p.LinkID != "" {
		item["link_id"] = s(p.LinkID)
	}
	if p.Sid != "" {
		item["sid"] = s(p.Sid)
	}
	if p.Plan != "" {
		item["plan"] = s(p.Plan)
	}
	for name, v := range map[string]int64{"rule_version": int64(p.RuleVersion), "number": int64(p.Number), "due_at": p.DueAt} {
		if v != 0 {
			item[name] = i64(v)
		}
	}
	if p.Upline != "" {
		item["upline"] = s(p.Upline)
		item["override"] = i64(p.Override)
		item["override_reversed"] = i64(p.OverrideReversed)
	}
	return item
}

func paymentFrom(item map[string]types.AttributeValue) (payments.Payment, error) {
	p := payments.Payment{ID: str(item, "payment_id"), CustomerID: str(item, "customer_id"), Currency: str(item, "currency"),
		State: str(item, "state"), PartnerID: str(item, "partner_id"), LinkID: str(item, "link_id"), Sid: str(item, "sid"),
		Plan: str(item, "plan"), Upline: str(item, "upline")}
	var err error
	var held, rule, number int64
	for name, dst := range map[string]*int64{"amount": &p.Amount, "paid_at": &p.PaidAt, "commission": &p.Commission,
		"refunded": &p.Refunded, "reversed": &p.Reversed, "version": &p.Version, "held_count": &held,
		"rule_version": &rule, "number": &number, "due_at": &p.DueAt, "override": &p.Override, "override_reversed": &p.OverrideReversed} {
		if *dst, err = num(item, name); err != nil {
			return payments.Payment{}, err
		}
	}
	p.HeldCount, p.RuleVersion, p.Number = int(held), int(rule), int(number)
	if l, ok := item["refunds"].(*types.AttributeValueMemberL); ok {
		for _, v := range l.Value {
			m, _ := v.(*types.AttributeValueMemberM)
			if m == nil {
				continue
			}
			amount, _ := num(m.Value, "amount")
			at, _ := num(m.Value, "at")
			p.Refunds = append(p.Refunds, ledger.RefundEvent{ID: str(m.Value, "id"), Amount: amount, At: at})
		}
	}
	return p, nil
}

func refundItem(r payments.Refund) map[string]types.AttributeValue {
	item := refundKey(r.ID)
	item["refund_id"] = s(r.ID)
	item["payment_id"] = s(r.PaymentID)
	item["amount"] = i64(r.Amount)
	item["refunded_at"] = i64(r.RefundedAt)
	item["state"] = s(r.State)
	item["arrived_at"] = i64(r.ArrivedAt)
	return item
}

func refundFrom(item map[string]types.AttributeValue) (payments.Refund, error) {
	r := payments.Refund{ID: str(item, "refund_id"), PaymentID: str(item, "payment_id"), State: str(item, "state")}
	var err error
	for name, dst := range map[string]*int64{"amount": &r.Amount, "refunded_at": &r.RefundedAt, "arrived_at": &r.ArrivedAt} {
		if *dst, err = num(item, name); err != nil {
			return payments.Refund{}, err
		}
	}
	return r, nil
}

// HeldRefunds returns the refunds held for a payment, in arrival order.
func (st *Store) HeldRefunds(ctx context.Context, paymentID string) ([]payments.Refund, error) {
	var ids []map[string]types.AttributeValue
	err := st.query(ctx, &dynamodb.QueryInput{
		TableName: st.table, KeyConditionExpression: aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("HELD#" + paymentID)},
		ConsistentRead:            aws.Bool(true),
	}, func(item map[string]types.AttributeValue) error {
		ids = append(ids, refundKey(str(item, "refund_id")))
		return nil
	})
	if err != nil {
		return nil, err
	}
	items, err := st.batchGet(ctx, ids)
	if err != nil {
		return nil, err
	}
	var out []payments.Refund
	for _, k := range ids {
		item, ok := items[str(k, attrPK)+"|REFUND"]
		if !ok {
			continue
		}
		r, err := refundFrom(item)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// PaymentWrite is everything recording one payment writes, at once.
type PaymentWrite struct {
	Payment  payments.Payment // as it will be stored
	Previous *payments.Payment
	Lines    []ledger.Line
	Bucket   string            // period of the lines
	Held     []payments.Refund // held refunds now applied or rejected
	// Customer is the customer as read, when the payment was decided: an
	// earning payment counts on it, provided it is still as read.
	Customer *payments.Customer
	Response WebhookResponse
	Now      time.Time
}

// earnedSoFarPrefix names a customer's commissions so far in a currency
// (earned_USD), for a rule's cap.
const earnedSoFarPrefix = "earned_"

// customerCount counts an earning payment of commission on the customer
// it was decided for: its number among the customer's earning payments
// and its commission so far in the currency. The condition makes the
// decision hold: a concurrent payment of the same customer or an admin's
// override in between refuses the write, which then decides again.
func (st *Store) customerCount(c payments.Customer, currency string, commission int64) types.TransactWriteItem {
	cond := "partner_id = :p AND "
	values := map[string]types.AttributeValue{":p": s(c.Decision.PartnerID), ":n": i64(int64(c.Pays + 1)), ":c": i64(commission)}
	if c.Pays == 0 {
		cond += "attribute_not_exists(pays)"
	} else {
		cond += "pays = :prev"
		values[":prev"] = i64(int64(c.Pays))
	}
	return types.TransactWriteItem{Update: &types.Update{TableName: st.table, Key: customerKey(c.Decision.CustomerID),
		UpdateExpression:          aws.String("SET pays = :n ADD #e :c"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  map[string]string{"#e": earnedSoFarPrefix + currency},
		ExpressionAttributeValues: values}}
}

// paymentTail is what recording a decided payment adds to its
// transaction: the check that the settings it was decided under are still
// in force, its count on the customer, and its lines with their running
// totals (the partner's on its link and day rows, the upline's on its own).
func (st *Store) paymentTail(p payments.Payment, c *payments.Customer, lines []ledger.Line, bucket string) []types.TransactWriteItem {
	var items []types.TransactWriteItem
	if p.RuleVersion > 0 {
		items = append(items, st.programCheck(p.RuleVersion))
	}
	if p.State == payments.PaymentAttributed && c != nil {
		items = append(items, st.customerCount(*c, p.Currency, p.Commission))
	}
	if len(lines) > 0 {
		items = append(items, st.periodOpen(bucket))
	}
	return append(items, st.lineItems(p, lines, atPayment(p, lines), bucket)...)
}

// atPayment times lines at their payment for the day rows: refunds held
// for a payment count on the day it arrived, so applying MaxHeldRefunds
// of them touches a bounded number of rows.
func atPayment(p payments.Payment, lines []ledger.Line) []ledger.Line {
	out := make([]ledger.Line, len(lines))
	for i, l := range lines {
		l.At = p.PaidAt
		out[i] = l
	}
	return out
}

// lineItems writes a payment's or refund's lines in bucket, once each,
// with their running totals: the partner's on its link and day rows, the
// upline's (second tier) on its own, counted as counted says (the same
// lines, possibly timed otherwise).
func (st *Store) lineItems(p payments.Payment, lines, counted []ledger.Line, bucket string) []types.TransactWriteItem {
	var items []types.TransactWriteItem
	for _, l := range lines {
		items = append(items, st.linePut(l, bucket))
	}
	var own, tier []ledger.Line
	for _, l := range counted {
		if l.PartnerID == p.PartnerID {
			own = append(own, l)
		} else {
			tier = append(tier, l)
		}
	}
	if len(lines) > 0 {
		items = append(items, st.pendingAdds(lines, bucket)...)
	}
	items = append(items, st.earnedAdds(p.PartnerID, p.LinkID, p.Sid, own)...)
	if len(tier) > 0 {
		items = append(items, st.earnedAdds(p.Upline, "", "", tier)...)
	}
	// One outbox item for all the lines' events: held refunds' reversals
	// add no transaction items.
	items = append(items, st.outboxPut(events.Lines(lines, st.now()))...)
	return items
}

// RecordPayment writes a payment, its lines, its pending marker, the
// outcome of held refunds and the webhook's response in one transaction.
func (st *Store) RecordPayment(ctx context.Context, w PaymentWrite) (WebhookResponse, error) {
	put := &types.Put{TableName: st.table, Item: paymentItem(w.Payment), ConditionExpression: aws.String("attribute_not_exists(pk)")}
	if w.Previous != nil {
		put.ConditionExpression = aws.String("#v = :v AND #state = :awaiting")
		put.ExpressionAttributeNames = map[string]string{"#v": "version", "#state": "state"}
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": i64(w.Previous.Version), ":awaiting": s(payments.PaymentAwaiting)}
	}
	items := []types.TransactWriteItem{{Put: put}, {Put: webhookPut(st, w.Response, w.Now)}}
	items = append(items, st.paymentTail(w.Payment, w.Customer, w.Lines, w.Bucket)...)
	if w.Payment.State == payments.PaymentPending {
		own := ledger.PeriodOf(time.UnixMilli(w.Payment.PaidAt)).String()
		items = append(items, st.periodOpen(own), types.TransactWriteItem{Put: &types.Put{TableName: st.table,
			Item: map[string]types.AttributeValue{attrPK: s(pendingPK(own, w.Payment.ID)), attrSK: s(w.Payment.ID), "payment_id": s(w.Payment.ID)}}})
	}
	for _, r := range w.Held {
		items = append(items,
			types.TransactWriteItem{Put: &types.Put{TableName: st.table, Item: refundItem(r)}},
			types.TransactWriteItem{Delete: &types.Delete{TableName: st.table, Key: key("HELD#"+r.PaymentID, heldSK(r))}})
	}
	return st.transactBilling(ctx, items, w.Response)
}

// RefundWrite is everything recording one refund writes, at once.
type RefundWrite struct {
	Refund   payments.Refund
	Payment  *payments.Payment // the payment as it will be stored; nil holds the refund
	Previous *payments.Payment // the payment as read, for the version check
	Lines    []ledger.Line     // the reversals, if any
	Bucket   string
	Response WebhookResponse
	Now      time.Time
}

// RecordRefund writes a refund with its payment's new totals and its
// reversal line, or holds it until its payment arrives, in one transaction.
func (st *Store) RecordRefund(ctx context.Context, w RefundWrite) (WebhookResponse, error) {
	items := []types.TransactWriteItem{
		{Put: &types.Put{TableName: st.table, Item: refundItem(w.Refund), ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		{Put: webhookPut(st, w.Response, w.Now)},
	}
	if w.Payment == nil {
		if w.Previous != nil && w.Previous.HeldCount >= MaxHeldRefunds {
			return WebhookResponse{}, ErrTooManyHeld
		}
		items = append(items,
			types.TransactWriteItem{Update: &types.Update{TableName: st.table, Key: paymentKey(w.Refund.PaymentID),
				UpdateExpression:          aws.String("SET #state = :awaiting, payment_id = :id ADD held_count :one, version :one"),
				ConditionExpression:       aws.String("attribute_not_exists(pk) OR #state = :awaiting"),
				ExpressionAttributeNames:  map[string]string{"#state": "state"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":awaiting": s(payments.PaymentAwaiting), ":id": s(w.Refund.PaymentID), ":one": n("1")}}},
			types.TransactWriteItem{Put: &types.Put{TableName: st.table, Item: map[string]types.AttributeValue{
				attrPK: s("HELD#" + w.Refund.PaymentID), attrSK: s(heldSK(w.Refund)), "refund_id": s(w.Refund.ID)}}})
		return st.transactBilling(ctx, items, w.Response)
	}
	items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: st.table, Item: paymentItem(*w.Payment),
		ConditionExpression:       aws.String("#v = :v"),
		ExpressionAttributeNames:  map[string]string{"#v": "version"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": i64(w.Previous.Version)}}})
	if len(w.Lines) > 0 {
		items = append(items, st.periodOpen(w.Bucket))
	}
	items = append(items, st.lineItems(*w.Payment, w.Lines, w.Lines, w.Bucket)...)
	return st.transactBilling(ctx, items, w.Response)
}

// transactBilling runs a billing transaction whose first item is the
// payment or refund record and whose second is the webhook response.
func (st *Store) transactBilling(ctx context.Context, items []types.TransactWriteItem, resp WebhookResponse) (WebhookResponse, error) {
	_, err := st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return resp, nil
	}
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return WebhookResponse{}, fmt.Errorf("dynamo: billing write: %w", err)
	}
	for i, r := range tce.CancellationReasons {
		if aws.ToString(r.Code) != "ConditionalCheckFailed" {
			continue
		}
		switch {
		case i == 1:
			w, err := st.firstWebhookResponse(ctx, resp.Endpoint, resp.ID, r.Item)
			if err != nil {
				return WebhookResponse{}, err
			}
			return w, ErrWebhookReplayed
		case items[i].ConditionCheck != nil && str(items[i].ConditionCheck.Key, attrPK) == programPK:
			return WebhookResponse{}, ErrStaleProgram
		case items[i].ConditionCheck != nil:
			return WebhookResponse{}, ErrPeriodClosing
		}
	}
	// The record itself or the payment changed meanwhile (a concurrent
	// delivery): the caller reads again and decides again.
	return WebhookResponse{}, ErrPaymentChanged
}
