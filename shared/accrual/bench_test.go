package accrual_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"partnerkit/shared/accrual"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/ledger"
	"partnerkit/shared/partner"
	"partnerkit/shared/program"
)

// memStore serves a period's lines from memory, so the benchmark measures
// the run's own work: aggregating lines into statements.
type memStore struct {
	accrual.Store
	shards [dynamo.LedgerShards][]ledger.Line
}

func (m *memStore) ShardLines(_ context.Context, _ []string, shard int, f func(ledger.Line) error) error {
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
func (m *memStore) WriteStatements(context.Context, []ledger.Statement) (int, error) {
	return 0, nil
}
func (m *memStore) Partners(context.Context, []string) (map[string]partner.Partner, error) {
	return map[string]partner.Partner{}, nil
}
func (m *memStore) MarkShardDone(context.Context, string, int, ledger.Summary) error { return nil }
func (m *memStore) ShardSummary(context.Context, string, int) (ledger.Summary, bool, error) {
	return ledger.Summary{}, false, nil
}
func (m *memStore) PeriodState(context.Context, string) (ledger.PeriodInfo, error) {
	return ledger.PeriodInfo{}, nil
}
func (m *memStore) LedgerState(context.Context) (ledger.State, error) {
	return ledger.State{LastClosed: "2026-09", Low: "2026-10"}, nil
}
func (m *memStore) BeginClose(_ context.Context, _, from string, _ time.Time) (string, error) {
	return from, nil
}
func (m *memStore) PendingPayments(context.Context, []string) ([]dynamo.PendingPayment, error) {
	return nil, nil
}

// Program reports that no settings were saved: the run closes under the
// defaults.
func (m *memStore) Program(context.Context) (program.Settings, bool, error) {
	return program.Settings{}, false, nil
}
func (m *memStore) FinishClose(context.Context, string, string, string, ledger.Summary, time.Time) error {
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
	r.Settings = &program.Cache{Load: m, Defaults: program.FromEnvironment(2500, 0, 0)}
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

// BenchmarkAccrualDynamoDBLocal closes a seeded month on DynamoDB Local
// and reports the run's write units (as DynamoDB Local reports them, index
// writes included) and write calls per line. Run it with
// -benchtime=1x: each iteration seeds a new table. "mixed" is a month of
// random payments and refunds in four currencies; lines_per_partner=N
// gives each partner exactly N commission lines in one currency, so
// statements hold N lines each: the run writes per statement, and one
// line per partner is its costliest case per line.
func BenchmarkAccrualDynamoDBLocal(b *testing.B) {
	cases := []struct {
		name string
		seed func(testing.TB, *dynamo.Store)
	}{
		{"mixed", func(t testing.TB, st *dynamo.Store) { seed(t, st, 300, 1500) }},
		{"lines_per_partner=1", func(t testing.TB, st *dynamo.Store) { seedPerPartner(t, st, 500, 1) }},
		{"lines_per_partner=10", func(t testing.TB, st *dynamo.Store) { seedPerPartner(t, st, 200, 10) }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				be := dynamotest.DynamoDBLocal(b)
				c.seed(b, dynamo.New(be.Client, be.Table))
				wc := dynamotest.NewCounter(be.Client)
				st := dynamo.New(wc, be.Table)
				b.StartTimer()
				start := time.Now()
				res, err := runner(st, nov2, 1000).Run(context.Background(), "2026-10")
				elapsed := time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				calls, units := wc.Writes()
				b.ReportMetric(units/float64(res.Lines), "WCU/line")
				b.ReportMetric(float64(calls)/float64(res.Lines), "writecalls/line")
				b.ReportMetric(float64(res.Lines)/elapsed.Seconds(), "lines/s")
				b.ReportMetric(float64(res.Lines), "lines")
				b.ReportMetric(units/float64(res.Statements), "WCU/statement")
			}
		})
	}
}
