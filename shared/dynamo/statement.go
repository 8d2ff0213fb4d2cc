package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/events"
	"partnerkit/shared/ledger"
	"partnerkit/shared/payments"
)

func statementItem(st ledger.Statement) map[string]types.AttributeValue {
	item := statementKey(st.Period, st.Currency, st.PartnerID)
	item["statement_id"] = s(st.ID)
	item["partner_id"] = s(st.PartnerID)
	item["period"] = s(st.Period)
	item["currency"] = s(st.Currency)
	item["earned"] = i64(st.Earned)
	item["reversed"] = i64(st.Reversed)
	item["carried_in"] = i64(st.CarriedIn)
	item["total"] = i64(st.Total())
	item["lines"] = i64(int64(st.Lines))
	item["status"] = s(st.Status)
	if st.Email != "" {
		item["email"] = s(st.Email)
	}
	// Lists a partner's statements across periods.
	item["gsi1pk"] = s("PSTMT#" + st.PartnerID)
	item["gsi1sk"] = s(st.Period + "#" + st.Currency)
	return item
}

func statementFrom(item map[string]types.AttributeValue) (ledger.Statement, error) {
	st := ledger.Statement{ID: str(item, "statement_id"), PartnerID: str(item, "partner_id"), Period: str(item, "period"),
		Currency: str(item, "currency"), Status: str(item, "status"), Reference: str(item, "reference"), PaidAt: str(item, "paid_at"),
		Email: str(item, "email")}
	var lines int64
	var err error
	for name, dst := range map[string]*int64{"earned": &st.Earned, "reversed": &st.Reversed, "carried_in": &st.CarriedIn, "lines": &lines} {
		if *dst, err = num(item, name); err != nil {
			return ledger.Statement{}, err
		}
	}
	st.Lines = int(lines)
	return st, nil
}

func summaryAttrs(sum ledger.Summary) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"partners": i64(int64(sum.Partners)), "statements": i64(int64(sum.Statements)), "lines": i64(int64(sum.Lines)),
	}
}

func summaryFrom(item map[string]types.AttributeValue) ledger.Summary {
	p, _ := num(item, "partners")
	st, _ := num(item, "statements")
	l, _ := num(item, "lines")
	return ledger.Summary{Partners: int(p), Statements: int(st), Lines: int(l)}
}

// ErrCloseBusy reports that another period's close has begun and not
// finished.
var ErrCloseBusy = errors.New("dynamo: another period is being closed")

// PeriodState returns what a period's PERIOD item says.
func (st *Store) PeriodState(ctx context.Context, period string) (ledger.PeriodInfo, error) {
	item, err := st.get(ctx, "PERIOD#"+period, "PERIOD", true)
	if errors.Is(err, ErrNotFound) {
		return ledger.PeriodInfo{}, nil
	}
	if err != nil {
		return ledger.PeriodInfo{}, err
	}
	return ledger.PeriodInfo{State: str(item, "status"), Summary: summaryFrom(item), From: str(item, "from_period"), Into: str(item, "into_period")}, nil
}

// BeginClose fences every period from from to period: from then on no
// billing write adds a line to them (their transactions check the
// period), so the lines to close are final. The range is stored by the
// first attempt and returned, so a resumed run sweeps the same periods.
func (st *Store) BeginClose(ctx context.Context, period, from string, now time.Time) (string, error) {
	// One close at a time: the ledger names the period being closed until
	// FinishClose, and a close of another period is refused meanwhile.
	_, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: st.table, Key: ledgerKey, UpdateExpression: aws.String("SET closing = :p"),
		// Free when no close ever began, or the last one finished (the
		// finished close stays named, as the last closed period).
		ConditionExpression:       aws.String("attribute_not_exists(closing) OR closing = :p OR closing = last_closed"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s(period)},
	})
	if _, lost := conditionFailed(err); lost {
		return "", ErrCloseBusy
	}
	if err != nil {
		return "", fmt.Errorf("dynamo: claiming the close of %s: %w", period, err)
	}
	out, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: st.table, Key: key("PERIOD#"+period, "PERIOD"),
		UpdateExpression:          aws.String("SET #st = :closing, closing_at = if_not_exists(closing_at, :now), from_period = if_not_exists(from_period, :from)"),
		ConditionExpression:       aws.String("attribute_not_exists(#st) OR #st = :closing"),
		ExpressionAttributeNames:  map[string]string{"#st": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":closing": s(ledger.PeriodClosing), ":now": s(timeText(now)), ":from": s(from)},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if _, lost := conditionFailed(err); lost {
		return "", fmt.Errorf("dynamo: %s was closed meanwhile", period)
	}
	if err != nil {
		return "", fmt.Errorf("dynamo: marking %s closing: %w", period, err)
	}
	if stored := str(out.Attributes, "from_period"); stored != "" {
		from = stored
	}
	for _, p := range ledger.Periods(from, period) {
		if p == period {
			continue
		}
		_, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: st.table, Key: key("PERIOD#"+p, "PERIOD"),
			UpdateExpression: aws.String("SET #st = :closing, into_period = :into"),
			// A period is swept into one close only.
			ConditionExpression:       aws.String("attribute_not_exists(#st) OR into_period = :into"),
			ExpressionAttributeNames:  map[string]string{"#st": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":closing": s(ledger.PeriodClosing), ":into": s(period)},
		})
		if _, lost := conditionFailed(err); lost {
			return "", fmt.Errorf("dynamo: period %s is already closed or closing on its own", p)
		}
		if err != nil {
			return "", fmt.Errorf("dynamo: marking %s closing: %w", p, err)
		}
	}
	return from, nil
}

// PendingPayment is a payment awaiting its customer's attribution, with
// the period whose close decides it.
type PendingPayment struct {
	PaymentID string
	Period    string
}

// PendingPayments returns the payments of the given periods still
// awaiting their customer's attribution.
func (st *Store) PendingPayments(ctx context.Context, periods []string) ([]PendingPayment, error) {
	var out []PendingPayment
	for _, period := range periods {
		for i := range PendingShards {
			err := st.query(ctx, &dynamodb.QueryInput{
				TableName: st.table, KeyConditionExpression: aws.String("pk = :pk"), ConsistentRead: aws.Bool(true),
				ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("PENDING#" + period + "#" + shardText(i))},
			}, func(item map[string]types.AttributeValue) error {
				out = append(out, PendingPayment{PaymentID: str(item, "payment_id"), Period: period})
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// PaymentWithCustomer reads a payment and its customer's attribution.
func (st *Store) PaymentWithCustomer(ctx context.Context, paymentID string) (payments.Payment, *payments.Customer, error) {
	item, err := st.get(ctx, "PAYMENT#"+paymentID, "PAYMENT", true)
	if err != nil {
		return payments.Payment{}, nil, err
	}
	p, err := paymentFrom(item)
	if err != nil {
		return payments.Payment{}, nil, err
	}
	citem, err := st.get(ctx, "CUSTOMER#"+p.CustomerID, "ATTRIBUTION", true)
	if errors.Is(err, ErrNotFound) {
		return p, nil, nil
	}
	if err != nil {
		return payments.Payment{}, nil, err
	}
	c, err := customerFrom(citem)
	return p, &c, err
}

// ResolvePending stores the decision on a pending payment of pendingPeriod,
// with its lines in the closing period's bucket, and drops its pending
// marker, in one transaction. A payment already decided (by an earlier,
// interrupted run) is left alone.
func (st *Store) ResolvePending(ctx context.Context, p payments.Payment, prevVersion int64, lines []ledger.Line, pendingPeriod, bucket string) error {
	items := []types.TransactWriteItem{
		{Put: &types.Put{TableName: st.table, Item: paymentItem(p),
			ConditionExpression:       aws.String("#v = :v AND #state = :pending"),
			ExpressionAttributeNames:  map[string]string{"#v": "version", "#state": "state"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": i64(prevVersion), ":pending": s(payments.PaymentPending)}}},
		{Delete: &types.Delete{TableName: st.table, Key: key(pendingPK(pendingPeriod, p.ID), p.ID)}},
	}
	for _, l := range lines {
		items = append(items, st.linePut(l, bucket))
	}
	items = append(items, st.pendingAdds(lines, bucket)...)
	items = append(items, st.outboxPut(events.Lines(lines, st.now()))...)
	_, err := st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		return ErrPaymentChanged
	}
	if err != nil {
		return fmt.Errorf("dynamo: resolving payment %s: %w", p.ID, err)
	}
	return nil
}

// ShardSummary returns a closed shard's summary, or false while it is not.
func (st *Store) ShardSummary(ctx context.Context, period string, shard int) (ledger.Summary, bool, error) {
	item, err := st.get(ctx, "ACCRUAL#"+period, "SHARD#"+shardText(shard), true)
	if errors.Is(err, ErrNotFound) {
		return ledger.Summary{}, false, nil
	}
	if err != nil {
		return ledger.Summary{}, false, err
	}
	return summaryFrom(item), true, nil
}

// ShardLines hands every line of one shard of the given periods' buckets
// to f, page by page.
func (st *Store) ShardLines(ctx context.Context, periods []string, shard int, f func(ledger.Line) error) error {
	for _, period := range periods {
		err := st.query(ctx, &dynamodb.QueryInput{
			TableName: st.table, KeyConditionExpression: aws.String("pk = :pk"), ConsistentRead: aws.Bool(true),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(linesPK(period, shard))},
		}, func(item map[string]types.AttributeValue) error {
			l, err := lineFrom(item)
			if err != nil {
				return err
			}
			return f(l)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// CarriedIn returns the balances a period carried forward in one shard, by
// "partner|currency".
func (st *Store) CarriedIn(ctx context.Context, period string, shard int) (map[string]int64, error) {
	out := map[string]int64{}
	err := st.query(ctx, &dynamodb.QueryInput{
		TableName: st.table, KeyConditionExpression: aws.String("pk = :pk"), ConsistentRead: aws.Bool(true),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(carryPK(period, shard))},
	}, func(item map[string]types.AttributeValue) error {
		total, err := num(item, "total")
		out[str(item, "partner_id")+"|"+str(item, "currency")] = total
		return err
	})
	return out, err
}

// WriteStatements writes a shard's statements, the balance of each one
// that carries (carried_forward or on_hold) for the next period, and a
// marker of each payable one in its partner's partition, in batches of
// 25. The writes are plain puts of values derived only from the period's
// lines and the partners' status, so a run that is interrupted and
// restarted writes the same items again. retry says a run may have
// written this shard before: a partner's status may have changed since,
// so the balance or marker a statement no longer has is deleted too.
// Each statement's statement.closed event goes to the outbox in the same
// batches, keyed by the event: written again, it is the same event.
func (st *Store) WriteStatements(ctx context.Context, stmts []ledger.Statement, retry bool) (calls int, err error) {
	reqs := make([]types.WriteRequest, 0, len(stmts)*3)
	now := st.now()
	for _, stmt := range stmts {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: statementItem(stmt)}},
			types.WriteRequest{PutRequest: &types.PutRequest{Item: OutboxItem([]events.Event{events.Closed(stmt, now)})}})
		carry := key(carryPK(stmt.Period, PartnerShard(stmt.PartnerID)), stmt.PartnerID+"#"+stmt.Currency)
		switch {
		case ledger.Carries(stmt.Status):
			carry["partner_id"] = s(stmt.PartnerID)
			carry["currency"] = s(stmt.Currency)
			carry["total"] = i64(stmt.Total())
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: carry}})
		case retry:
			reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: carry}})
		}
		marker := payableMarker(stmt)
		switch {
		case stmt.Status == ledger.StatusPayable:
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: marker}})
		case retry:
			reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: key(str(marker, attrPK), str(marker, attrSK))}})
		}
	}
	return st.batchWrite(ctx, reqs)
}

// StartShard records that a run began writing a shard of a period and
// reports whether one had begun before (the run is a retry).
func (st *Store) StartShard(ctx context.Context, period string, shard int) (retry bool, err error) {
	_, err = st.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: st.table,
		Item:                key("ACCRUAL#"+period, "START#"+shardText(shard)),
		ConditionExpression: aws.String("attribute_not_exists(pk)")})
	if _, lost := conditionFailed(err); lost {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("dynamo: starting shard: %w", err)
	}
	return false, nil
}

// batchWrite writes requests 25 at a time, retrying unprocessed ones with
// backoff, and returns the number of BatchWriteItem calls made.
func (st *Store) batchWrite(ctx context.Context, reqs []types.WriteRequest) (int, error) {
	calls := 0
	for len(reqs) > 0 {
		n := min(25, len(reqs))
		pending := reqs[:n]
		reqs = reqs[n:]
		for attempt := 0; len(pending) > 0; attempt++ {
			if attempt > 0 {
				if attempt > 10 {
					return calls, errors.New("dynamo: batch write: items still unprocessed")
				}
				select {
				case <-ctx.Done():
					return calls, ctx.Err()
				case <-time.After(time.Duration(attempt*attempt) * 20 * time.Millisecond):
				}
			}
			calls++
			out, err := st.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{*st.table: pending}})
			if err != nil {
				return calls, fmt.Errorf("dynamo: batch write: %w", err)
			}
			pending = out.UnprocessedItems[*st.table]
		}
	}
	return calls, nil
}

// MarkShardDone records that a shard of a period is closed, with what it
// produced, so a restarted run skips it.
func (st *Store) MarkShardDone(ctx context.Context, period string, shard int, sum ledger.Summary) error {
	item := summaryAttrs(sum)
	item[attrPK], item[attrSK] = s("ACCRUAL#"+period), s("SHARD#"+shardText(shard))
	_, err := st.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: st.table, Item: item})
	if err != nil {
		return fmt.Errorf("dynamo: marking shard done: %w", err)
	}
	return nil
}

// FinishClose marks the periods swept into period closed, then period
// itself with its summary, and makes it the ledger's last closed period.
// The ledger's lowest open bucket moves past it unless a late line lowered
// it meanwhile (that line then joins the next close).
func (st *Store) FinishClose(ctx context.Context, period, from, lowRead string, sum ledger.Summary, now time.Time) error {
	for _, p := range ledger.Periods(from, period) {
		if p == period {
			continue
		}
		_, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: st.table, Key: key("PERIOD#"+p, "PERIOD"),
			UpdateExpression:          aws.String("SET #st = :closed, closed_at = if_not_exists(closed_at, :now)"),
			ExpressionAttributeNames:  map[string]string{"#st": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":closed": s(ledger.PeriodClosed), ":now": s(timeText(now))},
		})
		if err != nil {
			return fmt.Errorf("dynamo: closing %s: %w", p, err)
		}
	}
	values := map[string]types.AttributeValue{
		":closed": s(ledger.PeriodClosed), ":now": s(timeText(now)),
		":partners": i64(int64(sum.Partners)), ":statements": i64(int64(sum.Statements)), ":lines": i64(int64(sum.Lines)),
	}
	// "lines" is a reserved word in expressions: every name goes through #.
	names := map[string]string{"#st": "status", "#p": "partners", "#s": "statements", "#l": "lines"}
	set := "SET #st = :closed, closed_at = :now, #p = :partners, #s = :statements, #l = :lines"
	_, err := st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{TableName: st.table, Key: key("PERIOD#"+period, "PERIOD"), UpdateExpression: aws.String(set),
			ExpressionAttributeNames: names, ExpressionAttributeValues: values}},
		{Update: &types.Update{TableName: st.table, Key: ledgerKey,
			UpdateExpression:          aws.String("SET last_closed = :p"),
			ConditionExpression:       aws.String("closing = :p AND (attribute_not_exists(last_closed) OR last_closed <= :p)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s(period)}}},
	}})
	if err != nil {
		return fmt.Errorf("dynamo: closing %s: %w", period, err)
	}
	p, err := ledger.ParsePeriod(period)
	if err != nil {
		return err
	}
	_, err = st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: st.table, Key: ledgerKey, UpdateExpression: aws.String("SET low = :next"),
		ConditionExpression:       aws.String("attribute_not_exists(low) OR low = :old"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":next": s(p.Next().String()), ":old": s(lowRead)},
	})
	if _, lost := conditionFailed(err); lost {
		return nil
	}
	return err
}

// PeriodStatements returns every statement of a period.
func (st *Store) PeriodStatements(ctx context.Context, period string) ([]ledger.Statement, error) {
	var out []ledger.Statement
	for i := range LedgerShards {
		err := st.query(ctx, &dynamodb.QueryInput{
			TableName: st.table, KeyConditionExpression: aws.String("pk = :pk"), ConsistentRead: aws.Bool(true),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("STMTS#" + period + "#" + shardText(i))},
		}, func(item map[string]types.AttributeValue) error {
			stmt, err := statementFrom(item)
			out = append(out, stmt)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PartnerStatements returns a partner's statements of one period, or of
// every period when period is "".
func (st *Store) PartnerStatements(ctx context.Context, partnerID, period string) ([]ledger.Statement, error) {
	var out []ledger.Statement
	in := &dynamodb.QueryInput{TableName: st.table, IndexName: aws.String("gsi1"),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("PSTMT#" + partnerID)}}
	if period != "" {
		in.KeyConditionExpression = aws.String("gsi1pk = :pk AND begins_with(gsi1sk, :p)")
		in.ExpressionAttributeValues[":p"] = s(period + "#")
	}
	err := st.query(ctx, in, func(item map[string]types.AttributeValue) error {
		stmt, err := statementFrom(item)
		out = append(out, stmt)
		return err
	})
	return out, err
}

// Errors of MarkPaid.
var (
	ErrAlreadyPaid = errors.New("dynamo: statement already paid")
	ErrNotPayable  = errors.New("dynamo: statement is not payable")
)

// MarkPaid records that a payable statement was paid, once: the
// statement, its partner's paid total and the end of its payable marker
// change together.
func (st *Store) MarkPaid(ctx context.Context, id, reference string, now time.Time) (ledger.Statement, error) {
	period, currency, partnerID, ok := ledger.ParseStatementID(id)
	if !ok {
		return ledger.Statement{}, ErrNotFound
	}
	for attempt := 0; ; attempt++ {
		item, err := st.get(ctx, str(statementKey(period, currency, partnerID), attrPK), partnerID+"#"+currency, true)
		if errors.Is(err, ErrNotFound) {
			return ledger.Statement{}, ErrNotFound
		}
		if err != nil {
			return ledger.Statement{}, err
		}
		stmt, err := statementFrom(item)
		if err != nil {
			return ledger.Statement{}, err
		}
		switch stmt.Status {
		case ledger.StatusPaid:
			return ledger.Statement{}, ErrAlreadyPaid
		case ledger.StatusPayable:
		default:
			return ledger.Statement{}, ErrNotPayable
		}
		paidAt := timeText(now)
		paid := stmt
		paid.Status, paid.Reference, paid.PaidAt = ledger.StatusPaid, reference, paidAt
		_, err = st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: append([]types.TransactWriteItem{
			{Update: &types.Update{TableName: st.table, Key: statementKey(period, currency, partnerID),
				UpdateExpression:          aws.String("SET #st = :paid, #ref = :ref, paid_at = :now"),
				ConditionExpression:       aws.String("#st = :payable"),
				ExpressionAttributeNames:  map[string]string{"#st": "status", "#ref": "reference"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":paid": s(ledger.StatusPaid), ":payable": s(ledger.StatusPayable), ":ref": s(reference), ":now": s(paidAt)}}},
			{Delete: &types.Delete{TableName: st.table, Key: key(partnerPK(partnerID), payablePrefix+period+"#"+currency)}},
			{Update: &types.Update{TableName: st.table, Key: statsKey(partnerID),
				UpdateExpression:          aws.String("ADD #paid :total"),
				ExpressionAttributeNames:  map[string]string{"#paid": paidPrefix + currency},
				ExpressionAttributeValues: map[string]types.AttributeValue{":total": i64(stmt.Total())}}},
		}, st.outboxPut([]events.Event{events.Paid(paid, now)})...)})
		var tce *types.TransactionCanceledException
		if errors.As(err, &tce) && attempt < 3 {
			continue // paid meanwhile, or a concurrent write: read it again
		}
		if err != nil {
			return ledger.Statement{}, fmt.Errorf("dynamo: marking paid: %w", err)
		}
		return paid, nil
	}
}
