package accrual

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/ledger"
	"partnerkit/shared/metrics"
	"partnerkit/shared/partner"
	"partnerkit/shared/payments"
)

// Store is what the run needs of the store.
type Store interface {
	PeriodState(ctx context.Context, period string) (ledger.PeriodInfo, error)
	LedgerState(ctx context.Context) (ledger.State, error)
	BeginClose(ctx context.Context, period, from string, now time.Time) (string, error)
	PendingPayments(ctx context.Context, periods []string) ([]dynamo.PendingPayment, error)
	PaymentWithCustomer(ctx context.Context, paymentID string) (payments.Payment, *payments.Customer, error)
	ResolvePending(ctx context.Context, p payments.Payment, prevVersion int64, lines []ledger.Line, pendingPeriod, bucket string) error
	TouchCustomer(ctx context.Context, c payments.Customer, paidAt time.Time) error
	ShardSummary(ctx context.Context, period string, shard int) (ledger.Summary, bool, error)
	ShardLines(ctx context.Context, periods []string, shard int, f func(ledger.Line) error) error
	CarriedIn(ctx context.Context, period string, shard int) (map[string]int64, error)
	StartShard(ctx context.Context, period string, shard int) (bool, error)
	Partners(ctx context.Context, ids []string) (map[string]partner.Partner, error)
	WriteStatements(ctx context.Context, stmts []ledger.Statement, retry bool) (int, error)
	MarkShardDone(ctx context.Context, period string, shard int, sum ledger.Summary) error
	FinishClose(ctx context.Context, period, from, lowRead string, sum ledger.Summary, now time.Time) error
}

var _ Store = (*dynamo.Store)(nil)

// ErrIncomplete is returned when an invocation stopped before every shard
// was closed (its time or shard budget ran out); the next invocation of
// the same period resumes where it stopped.
var ErrIncomplete = errors.New("accrual: period not finished in this invocation; invoke again to resume")

// Runner closes periods. It is safe for concurrent use; two runs of one
// period produce one set of statements.
type Runner struct {
	Store     Store
	BPS       int   // COMMISSION_BPS, for payments decided at close
	Months    int   // COMMISSION_MONTHS
	MinPayout int64 // MIN_PAYOUT
	Now       func() time.Time
	Log       *slog.Logger
	// Workers is how many shards close in parallel (default 8).
	Workers int
	// MaxShards, when positive, bounds the shards one invocation closes;
	// Reserve is the time left before the deadline at which no new shard
	// starts. Both split a long run across invocations.
	MaxShards int
	Reserve   time.Duration
}

// Result is what the run returns (contract section 5).
type Result struct {
	Period     string `json:"period"`
	Partners   int    `json:"partners"`
	Statements int    `json:"statements"`
	Lines      int    `json:"lines"`
}

// ErrRefused wraps a refusal caused by the request, not by the system.
type ErrRefused struct{ msg string }

func (e ErrRefused) Error() string { return e.msg }

func refuse(format string, args ...any) error { return ErrRefused{msg: fmt.Sprintf(format, args...)} }

// Run closes period ("" for the previous month). A period that has not
// ended is refused. Closing a period also sweeps in every earlier period
// not closed yet: their lines join this period's statements, as late lines
// do. A closed period (or one swept into a later close) returns its result
// again and changes nothing.
func (r *Runner) Run(ctx context.Context, period string) (Result, error) {
	now := r.Now()
	p := ledger.PeriodOf(now).Prev()
	if period != "" {
		var err error
		if p, err = ledger.ParsePeriod(period); err != nil {
			return Result{}, refuse("accrual: %v", err)
		}
	}
	if now.Before(p.End()) {
		return Result{}, refuse("accrual: period %s has not ended; it can be closed from %s", p, p.End().Format(time.RFC3339))
	}
	res := Result{Period: p.String()}
	info, err := r.Store.PeriodState(ctx, res.Period)
	if err != nil {
		return Result{}, err
	}
	if info.State == ledger.PeriodClosed && info.Into == "" {
		res.Partners, res.Statements, res.Lines = info.Summary.Partners, info.Summary.Statements, info.Summary.Lines
		return res, nil
	}
	if info.Into != "" && info.Into != res.Period {
		if info.State == ledger.PeriodClosed {
			return res, nil // its lines are in the statements of info.Into
		}
		return Result{}, refuse("accrual: period %s is being closed as part of %s; invoke %s again to finish", res.Period, info.Into, info.Into)
	}
	lg, err := r.Store.LedgerState(ctx)
	if err != nil {
		return Result{}, err
	}
	if lg.LastClosed != "" && res.Period <= lg.LastClosed {
		// Earlier than the last close and never closed: it held no line,
		// and lines of its time now go to the next open period.
		return res, nil
	}
	if lg.Busy(res.Period) {
		return Result{}, refuse("accrual: period %s is being closed; invoke it again to finish before closing %s", lg.Closing, res.Period)
	}
	// Sweep from the earliest period that may hold open lines: the
	// ledger's lowest bucket, or the first after the last close.
	from := res.Period
	if lg.Low != "" && lg.Low < from {
		from = lg.Low
	}
	if lg.LastClosed != "" {
		if next := mustPeriod(lg.LastClosed).Next().String(); next < from {
			from = next
		}
	}
	if from, err = r.Store.BeginClose(ctx, res.Period, from, now); errors.Is(err, dynamo.ErrCloseBusy) {
		return Result{}, refuse("accrual: another period is being closed; finish it before closing %s", res.Period)
	} else if err != nil {
		return Result{}, err
	}
	periods := ledger.Periods(from, res.Period)
	if err := r.resolvePending(ctx, periods, res.Period); err != nil {
		return Result{}, err
	}
	total, err := r.closeShards(ctx, periods, lg.LastClosed)
	if err != nil {
		return Result{}, err
	}
	if err := r.Store.FinishClose(ctx, res.Period, from, lg.Low, total, r.Now()); err != nil {
		return Result{}, err
	}
	res.Partners, res.Statements, res.Lines = total.Partners, total.Statements, total.Lines
	metrics.Count(metrics.StatementsClosed, res.Statements)
	return res, nil
}

func mustPeriod(s string) ledger.Period {
	p, err := ledger.ParsePeriod(s)
	if err != nil {
		panic("accrual: stored period " + s + " is malformed")
	}
	return p
}

// resolvePending decides the payments that arrived before their customer's
// signup: they earn if the attribution exists now, else never.
func (r *Runner) resolvePending(ctx context.Context, periods []string, bucket string) error {
	pending, err := r.Store.PendingPayments(ctx, periods)
	if err != nil {
		return err
	}
	for _, pp := range pending {
		for attempt := 0; ; attempt++ {
			p, c, err := r.Store.PaymentWithCustomer(ctx, pp.PaymentID)
			if err != nil {
				return err
			}
			if p.State != payments.PaymentPending {
				break // decided by an earlier, interrupted run
			}
			prev := p.Version
			p.Version++
			lines := p.Decide(c, r.BPS, r.Months)
			if p.State == payments.PaymentAttributed {
				// It earns through its customer's link, as at arrival.
				p.LinkID, p.Sid = c.Decision.LinkID, c.Decision.Sid
			}
			err = r.Store.ResolvePending(ctx, p, prev, lines, pp.Period, bucket)
			if err == nil {
				if c != nil {
					// The payment arrived before the signup, so the
					// customer's last payment time is set only now.
					if err := r.Store.TouchCustomer(ctx, *c, time.UnixMilli(p.PaidAt)); err != nil {
						return err
					}
				}
				break
			}
			if !errors.Is(err, dynamo.ErrPaymentChanged) || attempt == 5 {
				return err
			}
		}
	}
	return nil
}

// closeShards closes every shard not closed yet, in parallel, within the
// invocation's budget, and sums what every shard produced.
func (r *Runner) closeShards(ctx context.Context, periods []string, lastClosed string) (ledger.Summary, error) {
	period := periods[len(periods)-1]
	workers := r.Workers
	if workers <= 0 {
		workers = 8
	}
	sums := make([]ledger.Summary, dynamo.LedgerShards)
	done := make([]bool, dynamo.LedgerShards)
	var todo []int
	for s := range dynamo.LedgerShards {
		sum, ok, err := r.Store.ShardSummary(ctx, period, s)
		if err != nil {
			return ledger.Summary{}, err
		}
		if ok {
			sums[s], done[s] = sum, true
			continue
		}
		todo = append(todo, s)
	}
	if r.MaxShards > 0 && len(todo) > r.MaxShards {
		todo = todo[:r.MaxShards]
	}
	deadline, hasDeadline := ctx.Deadline()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		next     = make(chan int)
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range next {
				sum, err := r.closeShard(ctx, periods, lastClosed, s)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if err == nil {
					sums[s], done[s] = sum, true
				}
				mu.Unlock()
			}
		}()
	}
	for _, s := range todo {
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed || (hasDeadline && time.Until(deadline) < r.Reserve) {
			break
		}
		next <- s
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return ledger.Summary{}, firstErr
	}
	var total ledger.Summary
	for s, ok := range done {
		if !ok {
			return ledger.Summary{}, ErrIncomplete
		}
		total.Partners += sums[s].Partners
		total.Statements += sums[s].Statements
		total.Lines += sums[s].Lines
	}
	return total, nil
}

// closeShard writes the statements of one shard of partners and marks it
// done: the lines of every swept period, plus the balances the last close
// carried forward.
func (r *Runner) closeShard(ctx context.Context, periods []string, lastClosed string, shard int) (ledger.Summary, error) {
	period := periods[len(periods)-1]
	carried := map[string]int64{}
	if lastClosed != "" {
		var err error
		if carried, err = r.Store.CarriedIn(ctx, lastClosed, shard); err != nil {
			return ledger.Summary{}, err
		}
	}
	totals := map[string]*ledger.Totals{}
	err := r.Store.ShardLines(ctx, periods, shard, func(l ledger.Line) error {
		k := l.PartnerID + "|" + l.Currency
		t := totals[k]
		if t == nil {
			t = &ledger.Totals{}
			totals[k] = t
		}
		t.Add(l)
		return nil
	})
	if err != nil {
		return ledger.Summary{}, err
	}
	// The partners' status at closing time decides on_hold, and their
	// email is copied onto the statements, so payouts read no profile.
	ids := make([]string, 0, len(totals)+len(carried))
	for _, m := range []map[string]bool{keysOf(totals), keysOf(carried)} {
		for k := range m {
			partner, _ := splitKey(k)
			ids = append(ids, partner)
		}
	}
	profiles, err := r.Store.Partners(ctx, ids)
	if err != nil {
		return ledger.Summary{}, err
	}
	suspended := map[string]bool{}
	for id, p := range profiles {
		suspended[id] = p.Status == partner.StatusSuspended
	}
	stmts, sum := ledger.Statements(period, totals, carried, r.MinPayout, suspended)
	for i := range stmts {
		stmts[i].Email = profiles[stmts[i].PartnerID].Email
	}
	retry, err := r.Store.StartShard(ctx, period, shard)
	if err != nil {
		return ledger.Summary{}, err
	}
	if _, err := r.Store.WriteStatements(ctx, stmts, retry); err != nil {
		return ledger.Summary{}, err
	}
	if err := r.Store.MarkShardDone(ctx, period, shard, sum); err != nil {
		return ledger.Summary{}, err
	}
	return sum, nil
}

func keysOf[V any](m map[string]V) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

func splitKey(k string) (partner, currency string) {
	return k[:len(k)-4], k[len(k)-3:]
}
