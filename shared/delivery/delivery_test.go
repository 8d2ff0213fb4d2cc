package delivery_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"partnerkit/shared/accrual"
	"partnerkit/shared/billing/billingtest"
	"partnerkit/shared/delivery"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/events"
	"partnerkit/shared/hooks"
	"partnerkit/shared/ledger"
	"partnerkit/shared/partner"
)

// receiver is the Python receiver of testdata/receiver.py, which checks
// signatures with Standard Webhooks' own library.
type receiver struct {
	url string
}

type received struct {
	Accepted []map[string]any `json:"accepted"`
	Attempts []string         `json:"attempts"`
	Bad      int              `json:"bad"`
}

// receiverPython is the virtualenv infra/scripts/install-tools.sh fills.
func receiverPython(t *testing.T) string {
	t.Helper()
	py := os.Getenv("PARTNERKIT_WEBHOOKS_PYTHON")
	if py == "" {
		home, _ := os.UserHomeDir()
		py = filepath.Join(home, ".cache", "partnerkit", "webhooks-venv", "bin", "python")
	}
	if err := exec.Command(py, "-c", "import standardwebhooks").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s cannot import standardwebhooks: run infra/scripts/install-tools.sh", py)
		}
		t.Skipf("%s cannot import standardwebhooks (%v); run infra/scripts/install-tools.sh", py, err)
	}
	return py
}

func startReceiver(t *testing.T) *receiver {
	t.Helper()
	cmd := exec.Command(receiverPython(t), filepath.Join("testdata", "receiver.py"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	port, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("receiver did not start: %v", err)
	}
	return &receiver{url: "http://127.0.0.1:" + port[:len(port)-1]}
}

func (r *receiver) control(t *testing.T, v map[string]any) {
	t.Helper()
	b, _ := json.Marshal(v)
	resp, err := http.Post(r.url+"/_control", "application/json", bytes.NewReader(b))
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("receiver control: %v %v", resp, err)
	}
	resp.Body.Close()
}

func (r *receiver) received(t *testing.T) received {
	t.Helper()
	resp, err := http.Get(r.url + "/_received")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got received
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	return got
}

// clock is a settable clock shared by the producers and the worker.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.ns.Store(t.UnixNano())
	return c
}
func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }
func (c *clock) Set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func quiet() *slog.Logger            { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
func half(n int64) int64             { return n / 2 }
func newWorker(st *dynamo.Store, c *clock) *delivery.Worker {
	return &delivery.Worker{Store: st, Sender: delivery.NewHTTPSender(true), Now: c.Now, Rand: half, Log: quiet()}
}

func addEndpoint(t *testing.T, st *dynamo.Store, url string, now time.Time, types ...string) hooks.Endpoint {
	t.Helper()
	if len(types) == 0 {
		types = events.Types
	}
	ep := hooks.Endpoint{ID: hooks.NewID(), URL: url, Events: types, Status: hooks.StatusEnabled,
		Secret: hooks.NewSecret(), CreatedAt: now, UpdatedAt: now}
	if err := st.PutEndpoint(context.Background(), ep, true, time.Time{}); err != nil {
		t.Fatal(err)
	}
	return ep
}

// produce makes every kind of state change through the store (and the
// billing webhook and monthly run that drive it), and returns the events
// they left in the outbox.
func produce(t *testing.T, st *dynamo.Store, c *clock) []events.Event {
	t.Helper()
	ctx := context.Background()
	oct := time.Date(2026, 10, 5, 9, 0, 0, 0, time.UTC)
	c.Set(oct)
	var ps []partner.Partner
	for i, code := range []string{"alpha", "bravo"} {
		p := partner.Partner{ID: "pt_" + code, Code: code, Subject: "u" + code, Email: code + "@example.com",
			Status: partner.StatusActive, CreatedAt: oct.Add(time.Duration(i) * time.Second)}
		if _, _, err := st.CreatePartner(ctx, p); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	env := billingtest.New(t, st, oct, 2500, 0)
	step := func() { c.Add(time.Minute); env.SetNow(c.Now()) }
	for i, p := range ps {
		step()
		cus := "cus_" + p.Code
		billingtest.Attribute(t, st, cus, p.ID, c.Now())
		step()
		env.Pay(t, "pay_"+p.Code, cus, 9900, "USD", c.Now())
		if i == 0 {
			step()
			env.Refund(t, "pay_"+p.Code, "ref_"+p.Code, 4950, c.Now())
		}
	}
	nov := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
	c.Set(nov)
	r := &accrual.Runner{Store: st, BPS: 2500, Now: c.Now, Log: quiet()}
	if _, err := r.Run(ctx, "2026-10"); err != nil {
		t.Fatal(err)
	}
	c.Add(time.Hour)
	if _, err := st.MarkPaid(ctx, ledger.StatementID("2026-10", "USD", ps[0].ID), "wire-1", c.Now()); err != nil {
		t.Fatal(err)
	}
	c.Add(time.Minute)
	if _, err := st.SetPartnerStatus(ctx, ps[1].ID, partner.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	pending, err := st.PendingOutbox(ctx, c.Now().Add(time.Hour), 1000)
	if err != nil {
		t.Fatal(err)
	}
	var evs []events.Event
	for _, o := range pending {
		evs = append(evs, o.Events...)
	}
	return evs
}

// drain runs the worker, moving the clock on between rounds as the retry
// schedule asks, until the receiver has accepted want events or the
// schedule would be over.
func drain(t *testing.T, w *delivery.Worker, c *clock, r *receiver, want int) received {
	t.Helper()
	ctx := context.Background()
	end := c.Now().Add(hooks.RetryFor + time.Hour)
	for c.Now().Before(end) {
		if _, err := w.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if got := r.received(t); len(got.Accepted) >= want {
			return got
		}
		c.Add(5 * time.Minute)
	}
	t.Fatalf("not every event arrived within the retry schedule")
	return received{}
}

func checkArrivals(t *testing.T, want []events.Event, got received) {
	t.Helper()
	if got.Bad > 0 {
		t.Errorf("%d deliveries failed the receiver's signature check", got.Bad)
	}
	byID := map[string]events.Event{}
	for _, e := range want {
		byID[e.ID] = e
	}
	seen := map[string]bool{}
	lastCreated := map[string]string{}
	types := map[string]bool{}
	for _, a := range got.Accepted {
		id, _ := a["id"].(string)
		if seen[id] {
			t.Errorf("event %s accepted twice", id)
		}
		seen[id] = true
		e, ok := byID[id]
		if !ok {
			t.Errorf("accepted an event that was never produced: %v", a)
			continue
		}
		types[e.Type] = true
		if a["type"] != e.Type {
			t.Errorf("event %s arrived as %v, want %s", id, a["type"], e.Type)
		}
		// In order per partner: created_at never goes back.
		created, _ := a["created_at"].(string)
		if p := e.PartnerID; p != "" {
			if created < lastCreated[p] {
				t.Errorf("partner %s: %s (%s) arrived after an event created at %s", p, id, created, lastCreated[p])
			}
			lastCreated[p] = created
		}
	}
	// Customers' addresses (cus_alpha@example.com at signup) never leave;
	// their hint does. No secret does.
	raw, _ := json.Marshal(got.Accepted)
	for _, never := range []string{"cus_alpha@example.com", "cus_bravo@example.com", "whsec_"} {
		if bytes.Contains(raw, []byte(never)) {
			t.Errorf("a payload carries %s", never)
		}
	}
	if !bytes.Contains(raw, []byte(`"email_hint":"c***@example.com"`)) {
		t.Errorf("no attribution carried the customer's masked address")
	}
	for _, e := range want {
		if !seen[e.ID] {
			t.Errorf("%s %s never arrived", e.Type, e.ID)
		}
	}
	for _, id := range got.Attempts {
		if _, ok := byID[id]; !ok {
			t.Errorf("an attempt carried id %s, which no event has: ids must be stable across retries", id)
		}
	}
	for _, typ := range events.Types {
		if !types[typ] {
			t.Errorf("no %s arrived", typ)
		}
	}
}

func TestEveryEventArrivesSignedInOrderOnce(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		c := newClock(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
		st := dynamo.New(b.Client, b.Table).WithClock(c.Now)
		r := startReceiver(t)
		ep := addEndpoint(t, st, r.url+"/hook", c.Now())
		// Answers 500 for a while, then 200.
		r.control(t, map[string]any{"secret": ep.Secret, "fail_first": 6})
		want := produce(t, st, c)
		if len(want) < 10 {
			t.Fatalf("only %d events produced", len(want))
		}
		got := drain(t, newWorker(st, c), c, r, len(want))
		checkArrivals(t, want, got)
		if len(got.Attempts) < len(want)+6 {
			t.Errorf("%d attempts for %d events and 6 refusals", len(got.Attempts), len(want))
		}
		// The log shows each delivery once, delivered, never the secret.
		log, _, err := st.Deliveries(context.Background(), ep.ID, dynamo.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != len(want) {
			t.Errorf("delivery log has %d entries, want %d", len(log), len(want))
		}
		for _, d := range log {
			if d.Status != hooks.DeliveryDelivered || d.LastCode != 200 {
				t.Errorf("delivery %s: %s, code %d", d.EventID, d.Status, d.LastCode)
			}
			if bytes.Contains(d.Body, []byte("whsec_")) {
				t.Errorf("delivery %s carries a secret", d.EventID)
			}
		}
		// Running everything again sends nothing more.
		if n, err := newWorker(st, c).Drain(context.Background()); err != nil || n != 0 {
			t.Errorf("second drain: %d attempts, %v", n, err)
		}
		// A monthly run interrupted and run again writes its statements,
		// and their events, again: the same ids, so nothing is sent twice.
		stmts, err := st.PeriodStatements(context.Background(), "2026-10")
		if err != nil || len(stmts) != 2 {
			t.Fatalf("statements: %d, %v", len(stmts), err)
		}
		c.Add(time.Hour)
		if _, err := st.WriteStatements(context.Background(), stmts, true); err != nil {
			t.Fatal(err)
		}
		if n, err := newWorker(st, c).Drain(context.Background()); err != nil || n != 0 {
			t.Errorf("drain after rewriting the statements: %d attempts, %v", n, err)
		}
		if again := r.received(t); len(again.Accepted) != len(want) {
			t.Errorf("after rewriting the statements %d events arrived, want %d", len(again.Accepted), len(want))
		}
	})
}

var errCrash = errors.New("crashed")

func TestACrashAfterTheChangeLosesNothing(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		c := newClock(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
		st := dynamo.New(b.Client, b.Table).WithClock(c.Now)
		r := startReceiver(t)
		ep := addEndpoint(t, st, r.url+"/hook", c.Now())
		r.control(t, map[string]any{"secret": ep.Secret})
		want := produce(t, st, c)
		// The first worker dies after enqueueing each item's deliveries,
		// before removing the item; the items stay, and a second worker
		// enqueues nothing twice.
		crashing := newWorker(st, c)
		crashing.AfterDispatch = func(dynamo.Outbox) error { return errCrash }
		for range 3 {
			if _, err := crashing.Drain(context.Background()); !errors.Is(err, errCrash) {
				t.Fatalf("crashing drain: %v", err)
			}
		}
		if left, _ := st.PendingOutbox(context.Background(), c.Now().Add(time.Hour), 1000); len(left) == 0 {
			t.Fatal("the crash removed outbox items")
		}
		got := drain(t, newWorker(st, c), c, r, len(want))
		checkArrivals(t, want, got)
		if left, _ := st.PendingOutbox(context.Background(), c.Now().Add(time.Hour), 1000); len(left) != 0 {
			t.Errorf("%d outbox items left after the drain", len(left))
		}
	})
}
