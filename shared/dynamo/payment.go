package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/events"
	"partnerkit/shared/ledger"
	"partnerkit/shared/payments"
)

// MaxHeldRefunds bounds refunds held for one unknown payment: applying
// them writes the payment, its webhook response, the period check, the
// commission line, the partner's pending total and, per refund, its
// record, its reversal line and the removal of its hold, 5 + 3n items,
// plus one outbox item for all the lines' events, within a transaction's
// 100.
const MaxHeldRefunds = 30

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
	c := payments.Customer{Decision: d, CreatedAt: created}
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
	return item
}

func paymentFrom(item map[string]types.AttributeValue) (payments.Payment, error) {
	p := payments.Payment{ID: str(item, "payment_id"), CustomerID: str(item, "customer_id"), Currency: str(item, "currency"),
		State: str(item, "state"), PartnerID: str(item, "partner_id"), LinkID: str(item, "link_id"), Sid: str(item, "sid")}
	var err error
	var held int64
	for name, dst := range map[string]*int64{"amount": &p.Amount, "paid_at": &p.PaidAt, "commission": &p.Commission,
		"refunded": &p.Refunded, "reversed": &p.Reversed, "version": &p.Version, "held_count": &held} {
		if *dst, err = num(item, name); err != nil {
			return payments.Payment{}, err
		}
	}
	p.HeldCount = int(held)
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
	Response WebhookResponse
	Now      time.Time
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
	if len(w.Lines) > 0 {
		items = append(items, st.periodOpen(w.Bucket))
		for _, l := range w.Lines {
			items = append(items, st.linePut(l, w.Bucket))
		}
		items = append(items, st.pendingAdds(w.Lines, w.Bucket)...)
		// What the lines earn, on the payment's link and day rows.
		items = append(items, st.earnedAdds(w.Payment.PartnerID, w.Payment.LinkID, w.Payment.Sid, w.Lines)...)
		// One outbox item for all the lines: held refunds' reversals
		// add no transaction items.
		items = append(items, st.outboxPut(events.Lines(w.Lines, w.Now))...)
	}
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
	Line     *ledger.Line      // the reversal, if any
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
	if w.Line != nil {
		items = append(items, st.periodOpen(w.Bucket), st.linePut(*w.Line, w.Bucket))
		items = append(items, st.pendingAdds([]ledger.Line{*w.Line}, w.Bucket)...)
		items = append(items, st.earnedAdds(w.Payment.PartnerID, w.Payment.LinkID, w.Payment.Sid, []ledger.Line{*w.Line})...)
		items = append(items, st.outboxPut([]events.Event{events.Line(*w.Line, w.Now)})...)
	}
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
		case items[i].ConditionCheck != nil:
			return WebhookResponse{}, ErrPeriodClosing
		}
	}
	// The record itself or the payment changed meanwhile (a concurrent
	// delivery): the caller reads again and decides again.
	return WebhookResponse{}, ErrPaymentChanged
}
