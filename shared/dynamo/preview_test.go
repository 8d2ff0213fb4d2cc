package dynamo_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/ledger"
)

// TestEarningPayments reads a month's earning payments from items shaped
// as billing stores them: the commission lines of the month's bucket only
// (not its reversals, nor a late line of an earlier month swept into it,
// nor other months), each payment with its plan, number and second tier,
// and its customer's signup; at most limit of them, saying when there were
// more.
func TestEarningPayments(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		nov, _ := ledger.ParsePeriod("2026-11")
		oct := nov.Prev()
		signup := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
		put := func(item map[string]types.AttributeValue) {
			t.Helper()
			if _, err := b.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(b.Table), Item: item}); err != nil {
				t.Fatal(err)
			}
		}
		S := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
		N := func(v int64) types.AttributeValue {
			return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
		}
		line := func(bucket ledger.Period, kind, partner, payment string, amount int64, at time.Time) {
			put(map[string]types.AttributeValue{
				"pk": S(fmt.Sprintf("LINES#%s#%02d", bucket, dynamo.PartnerShard(partner))), "sk": S(partner + "#" + kind[:1] + "_" + payment),
				"line_id": S(kind[:1] + "_" + payment), "kind": S(kind), "partner_id": S(partner), "payment_id": S(payment),
				"customer_id": S("cus_" + payment), "currency": S("USD"), "amount": N(amount), "at": N(at.UnixMilli())})
		}
		payment := func(id, partner string, amount int64, at time.Time, extra map[string]types.AttributeValue) {
			item := map[string]types.AttributeValue{"pk": S("PAYMENT#" + id), "sk": S("PAYMENT"), "payment_id": S(id),
				"customer_id": S("cus_" + id), "currency": S("USD"), "amount": N(amount), "paid_at": N(at.UnixMilli()),
				"state": S("attributed"), "partner_id": S(partner), "commission": N(amount / 4), "refunded": N(0), "reversed": N(0),
				"held_count": N(0), "version": N(1)}
			for k, v := range extra {
				item[k] = v
			}
			put(item)
			put(map[string]types.AttributeValue{"pk": S("CUSTOMER#cus_" + id), "sk": S("ATTRIBUTION"), "customer_id": S("cus_" + id),
				"created_at": S(signup.Format(time.RFC3339Nano)), "upline": S("pt_rex")})
		}
		// Three earning payments in November across partners (one with a
		// refund's reversal line beside it), one of October, and one of
		// October recorded after October closed, in November's bucket.
		for i, p := range []string{"pt_ann", "pt_bob", "pt_cy"} {
			id := fmt.Sprintf("pay_nov_%d", i)
			at := nov.Start().Add(time.Duration(i+1) * 24 * time.Hour)
			payment(id, p, 10000, at, map[string]types.AttributeValue{"plan": S("pro"), "number": N(int64(i + 2)),
				"upline": S("pt_rex"), "override": N(250), "override_reversed": N(0)})
			line(nov, "commission", p, id, 2500, at)
		}
		line(nov, "reversal", "pt_ann", "pay_nov_0", -1250, nov.Start().Add(10*24*time.Hour))
		payment("pay_oct", "pt_ann", 10000, oct.Start().Add(24*time.Hour), nil)
		line(oct, "commission", "pt_ann", "pay_oct", 2500, oct.Start().Add(24*time.Hour))
		payment("pay_late", "pt_ann", 10000, oct.Start().Add(48*time.Hour), nil)
		line(nov, "commission", "pt_ann", "pay_late", 2500, oct.Start().Add(48*time.Hour))

		got, truncated, err := st.EarningPayments(ctx, nov, 3)
		if err != nil || truncated || len(got) != 3 {
			t.Fatalf("November: %d payments, truncated %v, %v; want 3, false", len(got), truncated, err)
		}
		for _, r := range got {
			if r.Plan != "pro" || r.Number < 2 || r.Upline != "pt_rex" || r.Override != 250 || r.Commission != 2500 ||
				r.Amount != 10000 || !r.SignedUp.Equal(signup) || r.PaidAt.Before(nov.Start()) {
				t.Errorf("read %+v", r)
			}
		}
		if _, truncated, err := st.EarningPayments(ctx, nov, 2); err != nil || !truncated {
			t.Errorf("2 of 3: truncated %v, %v", truncated, err)
		}
		got, truncated, err = st.EarningPayments(ctx, oct, 10)
		if err != nil || truncated || len(got) != 1 || got[0].PaymentID != "pay_oct" || got[0].Upline != "pt_rex" || got[0].Number != 0 {
			t.Errorf("October: %+v, %v, %v", got, truncated, err)
		}
		if got, _, err := st.EarningPayments(ctx, nov.Next(), 10); err != nil || len(got) != 0 {
			t.Errorf("December: %+v, %v", got, err)
		}
	})
}
