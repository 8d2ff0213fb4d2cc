package dynamo

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/ledger"
	"partnerkit/shared/payments"
)

// A partner's money stats are kept as running totals in the partner's own
// partition, written with the writes that change them, so reading them
// costs the same whatever the partner's history:
//
//	PARTNER#<id>  PENDING#<bucket>     per currency, the sum of the lines
//	                                   written to that period's bucket
//	PARTNER#<id>  PAYDAY#<yyyy-mm-dd>  customers whose last payment fell
//	                                   on that UTC day
//	PARTNER#<id>  STATS                paid_<cur>: paid statements' sum
//
// A bucket's lines all join one close, so what is pending is the sum of
// the open buckets (after the last closed period, from the ledger's lowest
// one), and a close changes no pending total: it needs no write per line
// or per partner for them.
//
// What is payable is derived too, so a close writes nothing per statement
// beyond the statement. Every closed line ends in exactly one statement
// total that ends its chain: one paid, one payable and unpaid, or the
// balance the last closed period carries (a carried total flows into the
// next statement, and a payable or paid one does not). So, per currency,
// payable = the closed buckets' lines − paid − carried, where carried is
// the total of the partner's statement of the last closed period when it
// carries (a carried balance gets a statement at every close).

const (
	pendingPrefix = "PENDING#"
	paydayPrefix  = "PAYDAY#"
	paidPrefix    = "paid_"
)

// PayingWindowDays is how many UTC days of payments make a customer count
// as paying: the day of the payment and the 35 days after it.
const PayingWindowDays = 35

func dayText(t time.Time) string { return t.UTC().Format("2006-01-02") }

// pendingAdds adds lines to their partners' pending totals of bucket: one
// update per partner, as a transaction may touch an item once.
func (st *Store) pendingAdds(lines []ledger.Line, bucket string) []types.TransactWriteItem {
	sums := map[string]map[string]int64{}
	var partners []string
	for _, l := range lines {
		if sums[l.PartnerID] == nil {
			sums[l.PartnerID] = map[string]int64{}
			partners = append(partners, l.PartnerID)
		}
		sums[l.PartnerID][l.Currency] += l.Amount
	}
	items := make([]types.TransactWriteItem, 0, len(partners))
	for _, p := range partners {
		names := map[string]string{}
		values := map[string]types.AttributeValue{}
		var adds []string
		currencies := make([]string, 0, len(sums[p]))
		for c := range sums[p] {
			currencies = append(currencies, c)
		}
		sort.Strings(currencies)
		for i, c := range currencies {
			names[fmt.Sprintf("#c%d", i)] = c
			values[fmt.Sprintf(":v%d", i)] = i64(sums[p][c])
			adds = append(adds, fmt.Sprintf("#c%d :v%d", i, i))
		}
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName: st.table, Key: key(partnerPK(p), pendingPrefix+bucket),
			UpdateExpression:         aws.String("ADD " + strings.Join(adds, ", ")),
			ExpressionAttributeNames: names, ExpressionAttributeValues: values,
		}})
	}
	return items
}

// TouchCustomer records an attributed customer's latest payment time, as
// c was read, and moves the customer from the day bucket of its previous
// payment to the one of this payment, in one transaction: the partner's
// count of paying customers sums the last 36 day buckets. It only moves
// forward; a concurrent payment of the same customer makes it read the
// customer again.
func (st *Store) TouchCustomer(ctx context.Context, c payments.Customer, paidAt time.Time) error {
	for attempt := 0; ; attempt++ {
		if !c.Decision.Attributed || (!c.LastPaidAt.IsZero() && !c.LastPaidAt.Before(paidAt)) {
			return nil
		}
		// The partner is pinned too: an admin's override in between moves
		// the customer, and this payment's bucket with it.
		upd := &types.Update{TableName: st.table, Key: customerKey(c.Decision.CustomerID),
			UpdateExpression:          aws.String("SET last_paid_at = :t"),
			ConditionExpression:       aws.String("attribute_exists(pk) AND attribute_not_exists(last_paid_at) AND partner_id = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":t": s(timeText(paidAt)), ":p": s(c.Decision.PartnerID)}}
		if c.LastPaidAt.IsZero() {
			// The day it became a paying customer, which an override moves.
			upd.UpdateExpression = aws.String("SET last_paid_at = :t, first_paid_at = :t")
		} else {
			upd.ConditionExpression = aws.String("last_paid_at = :old AND partner_id = :p")
			upd.ExpressionAttributeValues[":old"] = s(timeText(c.LastPaidAt))
		}
		items := []types.TransactWriteItem{{Update: upd}}
		day := func(d time.Time, delta string) types.TransactWriteItem {
			return types.TransactWriteItem{Update: &types.Update{TableName: st.table,
				Key:                       key(partnerPK(c.Decision.PartnerID), paydayPrefix+dayText(d)),
				UpdateExpression:          aws.String("ADD customers :d"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":d": n(delta)}}}
		}
		if c.LastPaidAt.IsZero() {
			// A first payment makes a paying customer of its link's day.
			// It also counts toward the partner's lifetime paying
			// customers, which the milestone emails read.
			items = append(items, day(paidAt, "1"), types.TransactWriteItem{Update: &types.Update{TableName: st.table,
				Key: statsKey(c.Decision.PartnerID), UpdateExpression: aws.String("ADD " + payingAttr + " :one"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1")}}})
			items = append(items, st.convAdds(c.Decision.PartnerID, c.Decision.LinkID, c.Decision.Sid, paidAt, map[string]int64{"customers": 1})...)
		} else if dayText(c.LastPaidAt) != dayText(paidAt) {
			items = append(items, day(paidAt, "1"), day(c.LastPaidAt, "-1"))
		}
		var err error
		if len(items) == 1 {
			_, err = st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: st.table, Key: upd.Key,
				UpdateExpression: upd.UpdateExpression, ConditionExpression: upd.ConditionExpression,
				ExpressionAttributeValues: upd.ExpressionAttributeValues})
		} else {
			_, err = st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		}
		_, lost := conditionFailed(err)
		var tce *types.TransactionCanceledException
		if errors.As(err, &tce) {
			lost = true
		}
		if !lost {
			if err != nil {
				return fmt.Errorf("dynamo: recording customer payment time: %w", err)
			}
			return nil
		}
		if attempt == 4 {
			return errors.New("dynamo: recording customer payment time: kept losing to concurrent payments")
		}
		item, err := st.get(ctx, "CUSTOMER#"+c.Decision.CustomerID, "ATTRIBUTION", true)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if c, err = customerFrom(item); err != nil {
			return err
		}
	}
}

// MoneyStats are a partner's counters and money per currency.
type MoneyStats struct {
	Clicks    int64
	Signups   int64
	Customers int64 // paying in the last PayingWindowDays days
	Pending   map[string]int64
	// OnHold is the part of Pending the program's hold keeps out of the
	// next statement: lines due after the current month.
	OnHold  map[string]int64
	Payable map[string]int64
	Paid    map[string]int64
}

// PartnerStats reads a partner's stats: one batch of the click shards, the
// stats item and the ledger state, two small queries of the partner's
// partition (the last 36 day buckets, the pending buckets: one small item
// a month with lines) and the partner's statements of the last closed
// period, all eventually consistent: statistics may trail a write by a
// second. What it reads does not grow with the partner's customers, lines
// or statements, only by the small pending item of each month with lines
// (about 60 bytes: 4 KB, half a read unit, holds some five years of them).
func (st *Store) PartnerStats(ctx context.Context, partnerID string, now time.Time) (MoneyStats, error) {
	ms := MoneyStats{Pending: map[string]int64{}, OnHold: map[string]int64{}, Payable: map[string]int64{}, Paid: map[string]int64{}}
	var (
		wg                 sync.WaitGroup
		countsErr, moreErr error
		lg                 ledger.State
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		keys := make([]map[string]types.AttributeValue, 0, ClickShards+2)
		for i := range ClickShards {
			keys = append(keys, key("CLICKS#"+partnerID+shardSuffix[i], "CLICKS"))
		}
		keys = append(keys, statsKey(partnerID), ledgerKey)
		items, err := st.batchGetConsistency(ctx, keys, false)
		if err == nil {
			items, err = st.withLinkClicks(ctx, partnerID, items)
		}
		if err != nil {
			countsErr = err
			return
		}
		for k, item := range items {
			switch {
			case k == "LEDGER|LEDGER":
				lg = ledgerFrom(item)
			case strings.HasSuffix(k, "|STATS"):
				for name, v := range item {
					if c, ok := strings.CutPrefix(name, paidPrefix); ok {
						if nv, ok := v.(*types.AttributeValueMemberN); ok && nv.Value != "0" {
							ms.Paid[c], _ = num(item, name)
						}
					}
				}
				if ms.Signups, err = num(item, "signups"); err != nil {
					countsErr = err
				}
			default:
				clicks, err := num(item, "clicks")
				if err != nil {
					countsErr = err
				}
				ms.Clicks += clicks
			}
		}
	}()
	go func() {
		defer wg.Done()
		from := dayText(now.AddDate(0, 0, -PayingWindowDays))
		moreErr = st.partnerRange(ctx, partnerID, paydayPrefix+from, paydayPrefix+dayText(now)+"~", func(item map[string]types.AttributeValue) error {
			c, err := num(item, "customers")
			ms.Customers += c
			return err
		})
	}()
	wg.Wait()
	if err := errors.Join(countsErr, moreErr); err != nil {
		return MoneyStats{}, err
	}
	sums, err := st.bucketSums(ctx, partnerID, lg, now)
	if err != nil {
		return MoneyStats{}, err
	}
	ms.Pending, ms.OnHold = sums.pending, sums.onHold
	for c, v := range sums.closed {
		ms.Payable[c] = v - ms.Paid[c] - sums.carried[c]
	}
	for c, v := range ms.Payable {
		if v == 0 {
			delete(ms.Payable, c)
		}
	}
	return ms, nil
}

// partnerSums are a partner's line totals per currency: of the open
// buckets (and of them, those held past now's month), of the closed ones,
// and the balance the last close carried.
type partnerSums struct {
	pending, onHold, closed, carried map[string]int64
}

// bucketSums reads a partner's pending totals of every bucket (buckets
// after the month after now hold lines the program's hold delays, a year
// at most), and, in parallel, its statements of the last closed period.
func (st *Store) bucketSums(ctx context.Context, partnerID string, lg ledger.State, now time.Time) (partnerSums, error) {
	sums := partnerSums{pending: map[string]int64{}, onHold: map[string]int64{}, closed: map[string]int64{}, carried: map[string]int64{}}
	if lg.Low == "" {
		return sums, nil // no line was ever written
	}
	var carryErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		if lg.LastClosed == "" {
			return
		}
		stmts, err := st.PartnerStatements(ctx, partnerID, lg.LastClosed)
		for _, stmt := range stmts {
			if ledger.Carries(stmt.Status) {
				sums.carried[stmt.Currency] += stmt.Total()
			}
		}
		carryErr = err
	}()
	current := ledger.PeriodOf(now).String()
	err := st.partnerRange(ctx, partnerID, pendingPrefix, pendingPrefix+"~", func(item map[string]types.AttributeValue) error {
		bucket := strings.TrimPrefix(str(item, attrSK), pendingPrefix)
		held := bucket > current
		// Lines only go to buckets after the last closed period; a
		// bucket below the ledger's lowest one holds none yet.
		dst := sums.pending
		switch {
		case bucket <= lg.LastClosed:
			dst = sums.closed
		case bucket < lg.Low:
			return nil
		}
		for name := range item {
			if name == attrPK || name == attrSK {
				continue
			}
			v, err := num(item, name)
			if err != nil {
				return err
			}
			dst[name] += v
			if held {
				sums.onHold[name] += v
			}
		}
		return nil
	})
	<-done
	for _, m := range []map[string]int64{sums.pending, sums.onHold} {
		for c, v := range m {
			if v == 0 {
				delete(m, c)
			}
		}
	}
	return sums, errors.Join(err, carryErr)
}

// PendingTotals sums, per currency, a partner's lines not yet in a
// statement.
func (st *Store) PendingTotals(ctx context.Context, partnerID string, now time.Time) (map[string]int64, error) {
	lg, err := st.LedgerState(ctx)
	if err != nil {
		return nil, err
	}
	sums, err := st.bucketSums(ctx, partnerID, lg, now)
	return sums.pending, err
}

// partnerRange queries the partner's items with from <= sk <= to,
// eventually consistent.
func (st *Store) partnerRange(ctx context.Context, partnerID, from, to string, f func(map[string]types.AttributeValue) error) error {
	return st.query(ctx, &dynamodb.QueryInput{
		TableName:              st.table,
		KeyConditionExpression: aws.String("pk = :pk AND sk BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": s(partnerPK(partnerID)), ":from": s(from), ":to": s(to),
		},
	}, f)
}
