package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/smithy-go"

	"partnerkit/shared/attribution"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/email"
	"partnerkit/shared/email/sestest"
	"partnerkit/shared/emailaddr"
	"partnerkit/shared/events"
	"partnerkit/shared/partner"
	"partnerkit/shared/payments"
	"partnerkit/shared/signing"
	"partnerkit/shared/unsubscribe"
)

var testNow = time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)

const baseURL = "https://go.example.com"

type fixture struct {
	st       *dynamo.Store
	n        *Notifier
	endpoint string
	tokens   *unsubscribe.Tokens
}

func newFixture(t testing.TB, b dynamotest.Backend, endpoint string) fixture {
	t.Helper()
	kr, err := signing.ParseKeyring("k1:0123456789abcdef-notify")
	if err != nil {
		t.Fatal(err)
	}
	st := dynamo.New(b.Client, b.Table)
	tokens := &unsubscribe.Tokens{Keys: kr}
	n := &Notifier{
		Store:        st,
		Sender:       email.NewSES(sestest.Client(endpoint), "partnerkit-test"),
		Hasher:       emailaddr.NewHasher("notify-test-hash-secret"),
		Unsubscribes: tokens,
		BaseURL:      baseURL,
		Site:         "app.example.com",
		From:         "partners@example.com",
		Now:          func() time.Time { return testNow },
		Log:          slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	return fixture{st: st, n: n, endpoint: endpoint, tokens: tokens}
}

// enroll stores a partner whose address only this test uses.
func (f fixture) enroll(t *testing.T, id, name string) partner.Partner {
	t.Helper()
	p := partner.Partner{ID: id, Code: strings.ReplaceAll(id, "_", "-"), Name: name, Subject: "sub-" + id,
		Email: sestest.Recipient(id), Status: partner.StatusActive, CreatedAt: testNow}
	if _, _, err := f.st.CreatePartner(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

// event is an event as the outbox holds it: the envelope names the
// partner its data names.
func event(id, typ string, data map[string]any) events.Event {
	raw, _ := json.Marshal(data)
	pid, _ := data["partner_id"].(string)
	return events.Event{ID: id, Type: typ, PartnerID: pid, OccurredAt: testNow, CreatedAt: testNow, Data: raw}
}

func (f fixture) notify(t *testing.T, ev events.Event, want string) Outcome {
	t.Helper()
	out, err := f.n.Notify(context.Background(), ev)
	if err != nil {
		t.Fatalf("Notify(%s %s): %v", ev.Type, ev.ID, err)
	}
	if out.Status != want {
		t.Fatalf("Notify(%s %s) = %+v, want status %s", ev.Type, ev.ID, out, want)
	}
	return out
}

func (f fixture) sent(t *testing.T, p partner.Partner) []sestest.Captured {
	t.Helper()
	return sestest.SentTo(t, f.endpoint, strings.ToLower(p.Email))
}

// TestWelcome: the welcome email arrives through SES with the partner's
// referral link, the escaped name, the center and both unsubscribe links;
// a redelivered event sends nothing more.
func TestWelcome(t *testing.T) {
	endpoint := sestest.Endpoint(t)
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		f := newFixture(t, b, endpoint)
		p := f.enroll(t, "pt_jane_"+b.Name, "Jane <b>Doe</b>")
		ev := event("evt_welcome_"+b.Name, events.PartnerEnrolled, map[string]any{"partner_id": p.ID})
		out := f.notify(t, ev, StatusSent)
		if out.Kind != partner.KindWelcome || out.MessageID == "" {
			t.Errorf("outcome %+v, want a sent welcome with a message id", out)
		}
		for i := 0; i < 2; i++ {
			f.notify(t, ev, StatusDuplicate)
		}
		got := f.sent(t, p)
		if len(got) != 1 {
			t.Fatalf("captured %d emails, want 1 (redelivery sends nothing)", len(got))
		}
		c := got[0]
		link := baseURL + "/r/" + p.Code
		if c.From != "partners@example.com" || c.Subject != "Welcome to the app.example.com partner program" {
			t.Errorf("from %q subject %q", c.From, c.Subject)
		}
		if !strings.Contains(c.Body.Text, "\n"+link+"\n") || !strings.Contains(c.Body.Text, "Hi Jane <b>Doe</b>,") {
			t.Errorf("text part lacks the link or the name:\n%s", c.Body.Text)
		}
		if !strings.Contains(c.Body.HTML, `<a href="`+link+`">`+link+`</a>`) || !strings.Contains(c.Body.HTML, "Jane &lt;b&gt;Doe&lt;/b&gt;") || strings.Contains(c.Body.HTML, "<b>Doe") {
			t.Errorf("HTML part lacks the link or does not escape the name:\n%s", c.Body.HTML)
		}
		unsub := strings.Trim(c.Header("List-Unsubscribe"), "<>")
		if id, kind, ok := f.tokens.OpenPartner(strings.TrimPrefix(unsub, baseURL+"/u/")); !ok || id != p.ID || kind != partner.KindWelcome {
			t.Errorf("List-Unsubscribe %q opens to %q %q %v; want this partner's welcome", unsub, id, kind, ok)
		}
		if c.Header("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Errorf("List-Unsubscribe-Post = %q", c.Header("List-Unsubscribe-Post"))
		}
		all := f.tokens.PartnerURL(baseURL, p.ID, unsubscribe.KindAll)
		if !strings.Contains(c.Body.Text, unsub) || !strings.Contains(c.Body.Text, all) || !strings.Contains(c.Body.HTML, all) {
			t.Error("the body does not carry both unsubscribe links")
		}
	})
}

// TestNothingSent: preferences off, a suspended partner and a suppressed
// address each send nothing.
func TestNothingSent(t *testing.T) {
	endpoint := sestest.Endpoint(t)
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		f := newFixture(t, b, endpoint)

		off := f.enroll(t, "pt_off_"+b.Name, "Off")
		if err := f.st.SetNotificationPrefs(ctx, off.ID, map[string]bool{partner.KindWelcome: false}); err != nil {
			t.Fatal(err)
		}
		f.notify(t, event("evt_off_"+b.Name, events.PartnerEnrolled, map[string]any{"partner_id": off.ID}), StatusOff)
		// Another kind is still on.
		f.notify(t, event("evt_off_stmt_"+b.Name, events.StatementClosed, map[string]any{
			"partner_id": off.ID, "statement_id": "st_1", "period": "2026-11", "currency": "USD", "total": 2475, "status": "payable"}), StatusSent)

		sus := f.enroll(t, "pt_sus_"+b.Name, "Sus")
		if _, err := f.st.SetPartnerStatus(ctx, sus.ID, partner.StatusSuspended); err != nil {
			t.Fatal(err)
		}
		f.notify(t, event("evt_sus_"+b.Name, events.PartnerEnrolled, map[string]any{"partner_id": sus.ID}), StatusSuspended)

		sup := f.enroll(t, "pt_sup_"+b.Name, "Sup")
		// Suppression is by the normalized address, so case does not matter.
		if err := f.st.Suppress(ctx, f.n.Hasher.Hash(strings.ToLower(sup.Email)), testNow); err != nil {
			t.Fatal(err)
		}
		f.notify(t, event("evt_sup_"+b.Name, events.PartnerEnrolled, map[string]any{"partner_id": sup.ID}), StatusSuppressed)

		if got := f.sent(t, off); len(got) != 1 || !strings.Contains(got[0].Subject, "statement") {
			t.Errorf("partner with welcome off got %d emails, want only the statement", len(got))
		}
		for _, p := range []partner.Partner{sus, sup} {
			if got := f.sent(t, p); len(got) != 0 {
				t.Errorf("%s got %d emails, want none", p.ID, len(got))
			}
		}
	})
}

// TestUnsubscribeLink: the List-Unsubscribe URL of a mail, posted as a
// mail client's one-click does, stops that kind and leaves the others.
func TestUnsubscribeLink(t *testing.T) {
	endpoint := sestest.Endpoint(t)
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		f := newFixture(t, b, endpoint)
		p := f.enroll(t, "pt_unsub_"+b.Name, "Una")
		statement := func(id string) events.Event {
			return event(id, events.StatementClosed, map[string]any{"partner_id": p.ID, "statement_id": id, "period": "2026-11", "currency": "EUR", "total": 1000, "status": "payable"})
		}
		f.notify(t, statement("evt_s1_"+b.Name), StatusSent)
		got := f.sent(t, p)
		if len(got) != 1 {
			t.Fatalf("captured %d, want 1", len(got))
		}
		u, err := url.Parse(strings.Trim(got[0].Header("List-Unsubscribe"), "<>"))
		if err != nil {
			t.Fatal(err)
		}
		h := &unsubscribe.Handler{Store: f.st, Tokens: f.tokens, Now: func() time.Time { return testNow }, Log: f.n.Log}
		req := lambdaevents.APIGatewayV2HTTPRequest{RouteKey: "POST /u/{token}", RawPath: u.Path, Body: "List-Unsubscribe=One-Click",
			PathParameters: map[string]string{"token": strings.TrimPrefix(u.Path, "/u/")}}
		req.RequestContext.HTTP.Method = "POST"
		resp, err := h.Handle(context.Background(), req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("one-click POST: %d %v %s", resp.StatusCode, err, resp.Body)
		}
		f.notify(t, statement("evt_s2_"+b.Name), StatusOff)
		f.notify(t, event("evt_w_"+b.Name, events.PartnerEnrolled, map[string]any{"partner_id": p.ID}), StatusSent)
		if got := f.sent(t, p); len(got) != 2 {
			t.Errorf("captured %d, want the first statement and the welcome", len(got))
		}
	})
}

// TestStatementPayable: the amount in the currency's major unit and the
// period as a month; statements that are not payable send nothing.
func TestStatementPayable(t *testing.T) {
	endpoint := sestest.Endpoint(t)
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		f := newFixture(t, b, endpoint)
		p := f.enroll(t, "pt_pay_"+b.Name, "")
		for i, status := range []string{"carried_forward", "on_hold"} {
			f.notify(t, event(fmt.Sprintf("evt_np%d_%s", i, b.Name), events.StatementClosed, map[string]any{
				"partner_id": p.ID, "period": "2026-10", "currency": "USD", "total": 5, "status": status}), StatusIgnored)
		}
		f.notify(t, event("evt_pay_"+b.Name, events.StatementClosed, map[string]any{
			"partner_id": p.ID, "statement_id": "st_9", "period": "2026-11", "currency": "KWD", "total": 12345, "status": "payable"}), StatusSent)
		got := f.sent(t, p)
		if len(got) != 1 {
			t.Fatalf("captured %d, want 1", len(got))
		}
		c := got[0]
		if c.Subject != "Your November 2026 statement is payable: 12.345 KWD" {
			t.Errorf("subject %q", c.Subject)
		}
		if !strings.Contains(c.Body.Text, "Hi there,") || !strings.Contains(c.Body.HTML, `<strong id="amount">12.345 KWD</strong>`) {
			t.Errorf("bodies lack the greeting or amount:\n%s\n%s", c.Body.Text, c.Body.HTML)
		}
	})
}

// TestFirstSignupAndMilestones: the first referred signup is mailed once
// whatever event brings it, without the customer's address; milestones
// follow the partner's lifetime paying customers, once each.
func TestFirstSignupAndMilestones(t *testing.T) {
	endpoint := sestest.Endpoint(t)
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		f := newFixture(t, b, endpoint)
		p := f.enroll(t, "pt_ms_"+b.Name, "Mo")
		decisions := map[int]attribution.Decision{}
		signup := func(i int) string {
			id := fmt.Sprintf("cus_%s_%d", b.Name, i)
			s := attribution.Signup{CustomerID: id, Email: "carol.customer@example.org", CreatedAt: testNow}
			d := attribution.Decide(s, []attribution.Touch{{Source: attribution.SourceClick, PartnerID: p.ID, At: testNow.Add(-time.Hour)}}, 90*24*time.Hour)
			resp := dynamo.WebhookResponse{Endpoint: "signup", ID: "msg_" + id, Status: 200, Body: "{}"}
			if _, _, _, err := f.st.SaveAttribution(ctx, d, s, fmt.Sprintf("%032x", i+1), resp, testNow); err != nil {
				t.Fatal(err)
			}
			decisions[i] = d
			return id
		}
		pay := func(i int) {
			if err := f.st.TouchCustomer(ctx, payments.Customer{Decision: decisions[i], CreatedAt: testNow}, testNow.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		customer := func(i int) string {
			id := signup(i)
			pay(i)
			return id
		}
		attributed := func(id, customerID string) events.Event {
			return event(id, events.CustomerAttributed, map[string]any{"partner_id": p.ID, "customer_id": customerID, "email_hint": "c***@example.org"})
		}
		commission := func(id, customerID string) events.Event {
			return event(id, events.CommissionCreated, map[string]any{"partner_id": p.ID, "customer_id": customerID, "amount": 250, "currency": "USD"})
		}
		// An event whose signup the partner's list does not show yet is
		// retried, never taken as "not the first".
		if out, err := f.n.Notify(ctx, attributed("evt_a0_"+b.Name, "cus_not_listed")); err == nil || errors.Is(err, ErrBadEvent) {
			t.Errorf("first signup not listed yet: %+v, %v; want an error to retry", out, err)
		}
		first := signup(1)
		f.notify(t, attributed("evt_a1_"+b.Name, first), StatusSent)
		f.notify(t, attributed("evt_a1b_"+b.Name, first), StatusDuplicate)
		f.notify(t, commission("evt_c0_"+b.Name, ""), StatusIgnored) // no paying customer yet
		// A second-tier line pays on another partner's customer: no
		// milestone of this partner's.
		override := event("evt_o1_"+b.Name, events.CommissionCreated, map[string]any{"partner_id": p.ID, "customer_id": first, "amount": 25, "currency": "USD", "kind": "override"})
		f.notify(t, override, StatusIgnored)
		// The commission's event may come before the payment is counted:
		// its customer counts all the same, and not twice once counted.
		f.notify(t, commission("evt_c1_"+b.Name, first), StatusSent)
		pay(1)
		f.notify(t, commission("evt_c2_"+b.Name, customer(2)), StatusDuplicate)
		for i := 3; i <= 9; i++ {
			customer(i)
		}
		tenth := signup(10)
		f.notify(t, commission("evt_c9_"+b.Name, first), StatusDuplicate) // 9 paying: still the first milestone
		f.notify(t, commission("evt_c10_"+b.Name, tenth), StatusSent)
		pay(10)
		customer(11)
		f.notify(t, commission("evt_c11_"+b.Name, tenth), StatusDuplicate)
		f.notify(t, attributed("evt_a11_"+b.Name, tenth), StatusDuplicate)

		got := f.sent(t, p)
		var subjects []string
		for _, c := range got {
			subjects = append(subjects, c.Subject)
			for _, part := range []string{c.Body.Text, c.Body.HTML} {
				if strings.Contains(part, "carol") || strings.Contains(part, "cus_") {
					t.Errorf("%q names the customer:\n%s", c.Subject, part)
				}
			}
		}
		want := []string{"Your first referred signup on app.example.com", "Your first paying customer on app.example.com", "10 paying customers on app.example.com"}
		if strings.Join(subjects, "|") != strings.Join(want, "|") {
			t.Errorf("subjects %q, want %q", subjects, want)
		}
	})
}

// TestSendFailureRetries: when SES refuses, Notify fails and the next
// delivery of the same event sends the email, once.
func TestSendFailureRetries(t *testing.T) {
	endpoint := sestest.Endpoint(t)
	b := dynamotest.Embedded(t)
	f := newFixture(t, b, endpoint)
	p := f.enroll(t, "pt_retry", "Rita")
	ev := event("evt_retry", events.PartnerEnrolled, map[string]any{"partner_id": p.ID})
	good := f.n.Sender
	f.n.Sender = email.NewSES(sestest.Client(endpoint+"/no-such-api"), "")
	if out, err := f.n.Notify(context.Background(), ev); err == nil {
		t.Fatalf("Notify through a refusing SES = %+v, nil; want an error", out)
	}
	f.n.Sender = good
	f.notify(t, ev, StatusSent)
	f.notify(t, ev, StatusDuplicate)
	if got := f.sent(t, p); len(got) != 1 {
		t.Errorf("captured %d, want 1", len(got))
	}
}

func TestBadEvents(t *testing.T) {
	b := dynamotest.Embedded(t)
	f := newFixture(t, b, "http://127.0.0.1:1")
	for name, ev := range map[string]events.Event{
		"no partner id":    event("e1", events.PartnerEnrolled, map[string]any{}),
		"no id":            event("", events.PartnerEnrolled, map[string]any{"partner_id": "pt_x"}),
		"not JSON":         {ID: "e2", Type: events.PartnerEnrolled, PartnerID: "pt_x", Data: json.RawMessage(`[1`)},
		"unknown partner":  event("e3", events.PartnerEnrolled, map[string]any{"partner_id": "pt_nobody"}),
		"statement period": event("e4", events.StatementClosed, map[string]any{"partner_id": "pt_x", "status": "payable", "period": "Nov", "currency": "USD"}),
	} {
		if out, err := f.n.Notify(context.Background(), ev); !errors.Is(err, ErrBadEvent) {
			t.Errorf("%s: Notify = %+v, %v; want ErrBadEvent", name, out, err)
		}
	}
	if out, err := f.n.Notify(context.Background(), event("e5", "payout.paid", map[string]any{"partner_id": "pt_x"})); err != nil || out.Status != StatusIgnored {
		t.Errorf("an event without an email = %+v, %v; want ignored", out, err)
	}
}

// TestPartnerWithoutAddress: a partner enrolled without an email claim is
// sent nothing, and nothing fails.
func TestPartnerWithoutAddress(t *testing.T) {
	b := dynamotest.Embedded(t)
	f := newFixture(t, b, "http://127.0.0.1:1")
	p := partner.Partner{ID: "pt_noaddr", Code: "noaddr", Subject: "sub-noaddr", Status: partner.StatusActive, CreatedAt: testNow}
	if _, _, err := f.st.CreatePartner(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	f.notify(t, event("evt_noaddr", events.PartnerEnrolled, map[string]any{"partner_id": p.ID}), StatusNoAddress)
}

// TestNamesInEmails: a name that breaks the name rule (stored before it
// existed) is not shown; markup in a valid name is text in the HTML part;
// subjects are one line.
func TestNamesInEmails(t *testing.T) {
	f := newFixture(t, dynamotest.Backend{}, "")
	for name, want := range map[string]string{
		"Jane\u202eenaJ":        "Hi there,",
		"Jane\nBcc: x@evil.com": "Hi there,",
		"Ann & <i>Co</i>":       "Hi Ann &amp; &lt;i&gt;Co&lt;/i&gt;,",
		"":                      "Hi there,",
	} {
		m, err := f.n.compose(partner.Partner{ID: "pt_n", Code: "n", Name: name}, "n@example.com", mail{Kind: partner.KindMilestones, Milestone: 100})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(m.HTML, "<p>"+want+"</p>") {
			t.Errorf("name %q: HTML lacks %q", name, want)
		}
		if m.Subject != "100 paying customers on app.example.com" || m.Validate() != nil {
			t.Errorf("name %q: subject %q (%v)", name, m.Subject, m.Validate())
		}
	}
}

type rejectingSender struct{ calls int }

func (s *rejectingSender) Send(context.Context, email.Message) (string, error) {
	s.calls++
	return "", fmt.Errorf("email: SES SendEmail: %w", &smithy.GenericAPIError{Code: "MessageRejected", Message: "Email address is not verified."})
}

// TestRejectedForGood: a message SES rejects is not retried (the event
// would stay in the outbox forever); other failures are.
func TestRejectedForGood(t *testing.T) {
	b := dynamotest.Embedded(t)
	f := newFixture(t, b, "http://127.0.0.1:1")
	s := &rejectingSender{}
	f.n.Sender = s
	p := f.enroll(t, "pt_rejected", "Rex")
	ev := event("evt_rejected", events.PartnerEnrolled, map[string]any{"partner_id": p.ID})
	if err := f.n.Consume(context.Background(), []events.Event{ev}); err != nil {
		t.Fatalf("Consume of a rejected email = %v, want nil (nothing to retry)", err)
	}
	f.notify(t, ev, StatusDuplicate)
	if s.calls != 1 {
		t.Errorf("SES asked %d times, want once", s.calls)
	}
}

// TestFirstSignupIsTheFirstCustomer: a partner whose first customer came
// before its event (or before these emails existed) is not told of a
// later signup as its first; the first's own event, however late, is.
func TestFirstSignupIsTheFirstCustomer(t *testing.T) {
	endpoint := sestest.Endpoint(t)
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		f := newFixture(t, b, endpoint)
		p := f.enroll(t, "pt_fs_"+b.Name, "Fay")
		for i, at := range []time.Time{testNow, testNow.Add(time.Hour)} {
			id := fmt.Sprintf("cus_fs_%s_%d", b.Name, i)
			s := attribution.Signup{CustomerID: id, Email: id + "@example.org", CreatedAt: at}
			d := attribution.Decide(s, []attribution.Touch{{Source: attribution.SourceClick, PartnerID: p.ID, At: at.Add(-time.Minute)}}, 90*24*time.Hour)
			resp := dynamo.WebhookResponse{Endpoint: "signup", ID: "msg_" + id, Status: 200, Body: "{}"}
			if _, _, _, err := f.st.SaveAttribution(ctx, d, s, fmt.Sprintf("%032x", 500+i), resp, at); err != nil {
				t.Fatal(err)
			}
		}
		second := event("evt_fs2_"+b.Name, events.CustomerAttributed, map[string]any{"partner_id": p.ID, "customer_id": "cus_fs_" + b.Name + "_1"})
		first := event("evt_fs1_"+b.Name, events.CustomerAttributed, map[string]any{"partner_id": p.ID, "customer_id": "cus_fs_" + b.Name + "_0"})
		f.notify(t, second, StatusIgnored)
		f.notify(t, first, StatusSent)
		f.notify(t, second, StatusDuplicate)
		if got := f.sent(t, p); len(got) != 1 {
			t.Errorf("captured %d emails, want the one first signup", len(got))
		}
	})
}
