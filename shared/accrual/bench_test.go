package accrual_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"partnerkit/shared/accrual"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/ledger"
)

// memStore serves a period's lines from memory, so the benchmark measures
// the run's own work: aggregating lines into statements.
type memStore struct {
	accrual.Store
	shards [dynamo.LedgerShards][]ledger.Line
}

func (m *memStore) ShardLines(_ context.Context, _ string, shard int, f func(ledger.Line) error) error {
	for _, l := range m.shards[shard] {
		if err := f(l); err != nil {
			return err
		}
	}
	return nil
}

func (m *memStore) CarriedIn(context.Context, string, int) (map[string]int64, error) {
	return map[string]int64{}, nil
}
func (m *memStore) WriteStatements(context.Context, []dynamo.Statement) (int, error) { return 0, nil }
func (m *memStore) MarkShardDone(context.Context, string, int, dynamo.Summary) error { return nil }
func (m *memStore) ShardSummary(context.Context, string, int) (dynamo.Summary, bool, error) {
	return dynamo.Summary{}, false, nil
}
func (m *memStore) PeriodState(context.Context, string) (string, dynamo.Summary, error) {
	return "", dynamo.Summary{}, nil
}
func (m *memStore) LastClosed(context.Context) (string, error)                { return "2026-09", nil }
func (m *memStore) BeginClose(context.Context, string, time.Time) error       { return nil }
func (m *memStore) PendingPayments(context.Context, string) ([]string, error) { return nil, nil }
func (m *memStore) FinishClose(context.Context, string, dynamo.Summary, time.Time) error {
	return nil
}

// BenchmarkAccrualInProcess closes a period of 200,000 lines over 20,000
// partners held in memory: the in-process cost of the monthly run,
// reported as lines/s.
func BenchmarkAccrualInProcess(b *testing.B) {
	const lines, partners = 200_000, 20_000
	m := &memStore{}
	for i := range lines {
		p := fmt.Sprintf("pt_%06d", i%partners)
		l := ledger.Line{ID: fmt.Sprintf("c_%d", i), Kind: ledger.KindCommission, PartnerID: p, Currency: "USD", Amount: 2475, At: oct.UnixMilli()}
		if i%7 == 0 {
			l.Kind, l.Amount = ledger.KindReversal, -1237
		}
		s := dynamo.PartnerShard(p)
		m.shards[s] = append(m.shards[s], l)
	}
	r := runner(nil, nov2, 0)
	r.Store = m
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		res, err := r.Run(ctx, "2026-10")
		if err != nil || res.Lines != lines {
			b.Fatalf("run = %+v, %v", res, err)
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// writeCounter counts the run's writes by API call and by write units,
// as DynamoDB bills items up to 1 KB: one unit per item written, two per
// item in a transaction.
type writeCounter struct {
	dynamo.API
	mu           sync.Mutex
	calls, units int
}

func (w *writeCounter) add(calls, units int) {
	w.mu.Lock()
	w.calls += calls
	w.units += units
	w.mu.Unlock()
}

func (w *writeCounter) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	w.add(1, 1)
	return w.API.PutItem(ctx, in, o...)
}

func (w *writeCounter) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	w.add(1, 1)
	return w.API.UpdateItem(ctx, in, o...)
}

func (w *writeCounter) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	w.add(1, 1)
	return w.API.DeleteItem(ctx, in, o...)
}

func (w *writeCounter) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	n := 0
	for _, reqs := range in.RequestItems {
		n += len(reqs)
	}
	w.add(1, n)
	return w.API.BatchWriteItem(ctx, in, o...)
}

func (w *writeCounter) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	w.add(1, 2*len(in.TransactItems))
	return w.API.TransactWriteItems(ctx, in, o...)
}

// BenchmarkAccrualDynamoDBLocal closes a seeded month on DynamoDB Local
// and reports the run's write units and write calls per line. Run it with
// -benchtime=1x: each iteration seeds a new table.
func BenchmarkAccrualDynamoDBLocal(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		be := dynamotest.DynamoDBLocal(b)
		seed(b, dynamo.New(be.Client, be.Table), 300, 1500)
		wc := &writeCounter{API: be.Client}
		st := dynamo.New(wc, be.Table)
		b.StartTimer()
		start := time.Now()
		res, err := runner(st, nov2, 1000).Run(context.Background(), "2026-10")
		elapsed := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(wc.units)/float64(res.Lines), "WCU/line")
		b.ReportMetric(float64(wc.calls)/float64(res.Lines), "writecalls/line")
		b.ReportMetric(float64(res.Lines)/elapsed.Seconds(), "lines/s")
		b.ReportMetric(float64(res.Lines), "lines")
	}
}
