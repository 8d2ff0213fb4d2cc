package signup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/emailaddr"
	"partnerkit/shared/httpapi/apitest"
	"partnerkit/shared/partner"
	"partnerkit/shared/referral"
	"partnerkit/shared/webhook"
)

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

var testNow = time.Date(2026, 11, 24, 10, 16, 0, 0, time.UTC)

type env struct {
	h      lambda.Handler
	st     *dynamo.Store
	hasher *emailaddr.Hasher
}

func newEnv(t testing.TB, st Store, store *dynamo.Store) env {
	t.Helper()
	v, err := webhook.NewVerifier([]string{testSecret}, func() time.Time { return testNow })
	if err != nil {
		t.Fatal(err)
	}
	hasher := emailaddr.NewHasher("test-hash-secret")
	h := &Handler{
		Store: st, Verifier: v, Hasher: hasher, Window: 90 * 24 * time.Hour,
		Now: func() time.Time { return testNow }, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	return env{h: lambda.NewHandler(h.Handle), st: store, hasher: hasher}
}

// delivery is one webhook delivery; sign false leaves the signature as set.
type delivery struct {
	id, body, signature string
	ts                  int64
}

func signed(t testing.TB, id, body string) delivery {
	t.Helper()
	sig, err := webhook.Sign(testSecret, id, testNow.Unix(), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return delivery{id: id, body: body, signature: sig, ts: testNow.Unix()}
}

func (d delivery) event() []byte {
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "POST /webhooks/signup", RawPath: "/webhooks/signup",
		Headers: map[string]string{"content-type": "application/json", "webhook-id": d.id,
			"webhook-timestamp": strconv.FormatInt(d.ts, 10), "webhook-signature": d.signature},
		Body: d.body,
	}
	ev.RequestContext.HTTP.Method = "POST"
	b, _ := json.Marshal(ev)
	return b
}

type reply struct {
	status int
	body   map[string]any
}

func send(t testing.TB, h lambda.Handler, d delivery) reply {
	t.Helper()
	resp := apitest.Invoke(t, h, d.event())
	r := reply{status: resp.StatusCode}
	resp.DecodeBody(t, &r.body)
	return r
}

func customerBody(customerID, email, visitorID, code, createdAt string) string {
	data := map[string]string{"customer_id": customerID, "email": email, "created_at": createdAt}
	if visitorID != "" {
		data["visitor_id"] = visitorID
	}
	if code != "" {
		data["referral_code"] = code
	}
	b, _ := json.Marshal(map[string]any{"type": "customer.created", "timestamp": "2026-11-24T10:16:00Z", "data": data})
	return string(b)
}

func enroll(t testing.TB, st *dynamo.Store, id, code, email string) {
	t.Helper()
	p := partner.Partner{ID: id, Code: code, Subject: "sub-" + id, Email: email, Status: partner.StatusActive, CreatedAt: testNow}
	if _, _, err := st.CreatePartner(context.Background(), p); err != nil {
		t.Fatal(err)
	}
}

func click(t testing.TB, st *dynamo.Store, partnerID string, at time.Time) string {
	t.Helper()
	vid := referral.NewVisitorID()
	if _, _, err := st.RecordFirstTouch(context.Background(), referral.Touch{VisitorID: vid, PartnerID: partnerID, At: at}, 90*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	return vid
}

func TestSignupAttribution(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		e := newEnv(t, st, st)
		enroll(t, st, "pt_alice", "alice", "alice@example.com")
		enroll(t, st, "pt_bob", "bob-code", "bob@example.com")
		vid := click(t, st, "pt_alice", testNow.Add(-48*time.Hour+123*time.Millisecond))

		first := signed(t, "msg_1", customerBody("cus_1", "Carol@Example.com", vid, "", "2026-11-24T10:15:59.5Z"))
		r := send(t, e.h, first)
		want := map[string]any{"customer_id": "cus_1", "attributed": true, "partner_id": "pt_alice", "source": "click", "touched_at": "2026-11-22T10:16:00.123Z"}
		if r.status != 200 || fmt.Sprint(r.body) != fmt.Sprint(want) {
			t.Fatalf("signup = %d %v, want 200 %v", r.status, r.body, want)
		}

		// The same delivery again: the first response, nothing changed
		// (TestSignupWebhookIDReuse has the id with other bodies).
		if r := send(t, e.h, first); r.status != 200 || fmt.Sprint(r.body) != fmt.Sprint(want) {
			t.Errorf("replay = %d %v, want the first response", r.status, r.body)
		}
		// Another delivery for the same customer naming another partner's
		// code: the attribution never changes.
		if r := send(t, e.h, signed(t, "msg_2", customerBody("cus_1", "carol@example.com", "", "bob-code", "2026-11-24T10:15:59Z"))); fmt.Sprint(r.body) != fmt.Sprint(want) {
			t.Errorf("second signup of cus_1 = %v, want the first decision", r.body)
		}
		counts, err := st.Counts(ctx, "pt_alice")
		if err != nil || counts.Signups != 1 {
			t.Errorf("alice signups = %d, %v; want 1", counts.Signups, err)
		}
		if counts, _ := st.Counts(ctx, "pt_bob"); counts.Signups != 0 {
			t.Errorf("bob signups = %d, want 0", counts.Signups)
		}
		d, err := st.Attribution(ctx, "cus_1")
		if err != nil || len(d.Candidates) != 1 || d.Candidates[0].Outcome != "won" {
			t.Errorf("stored attribution = %+v, %v", d, err)
		}

		// An invite touch, kept by hashed email, beats a later code.
		if _, won, err := st.RecordInviteTouch(ctx, e.hasher.Hash("dave@example.com"), "pt_bob", testNow.Add(-time.Hour)); err != nil || !won {
			t.Fatalf("RecordInviteTouch = %v, %v", won, err)
		}
		if _, won, _ := st.RecordInviteTouch(ctx, e.hasher.Hash("dave@example.com"), "pt_alice", testNow); won {
			t.Error("a second invite to the same address became its touch")
		}
		r = send(t, e.h, signed(t, "msg_3", customerBody("cus_2", "dave@example.com", "", "alice", "2026-11-24T10:15:00Z")))
		if r.body["partner_id"] != "pt_bob" || r.body["source"] != "invite" {
			t.Errorf("invite vs code = %v, want bob by invite", r.body)
		}
		d, _ = st.Attribution(ctx, "cus_2")
		if len(d.Candidates) != 2 || d.Candidates[1].Outcome != "later" || d.Candidates[1].Source != "code" {
			t.Errorf("candidates = %+v, want the invite won and the code later", d.Candidates)
		}
	})
}

func TestSignupReasons(t *testing.T) {
	b := dynamotest.Embedded(t)
	st := dynamo.New(b.Client, b.Table)
	e := newEnv(t, st, st)
	enroll(t, st, "pt_alice", "alice", "alice@example.com")
	old := click(t, st, "pt_alice", testNow.Add(-91*24*time.Hour))
	tests := []struct {
		name, body, reason string
	}{
		{"no touch", customerBody("c1", "x@example.com", "", "", "2026-11-24T10:00:00Z"), "no_touch"},
		{"unknown code", customerBody("c2", "x@example.com", "", "nobody", "2026-11-24T10:00:00Z"), "no_touch"},
		{"malformed visitor id", customerBody("c3", "x@example.com", "v_<script>", "", "2026-11-24T10:00:00Z"), "no_touch"},
		{"out of window", customerBody("c4", "x@example.com", old, "", "2026-11-24T10:00:00Z"), "out_of_window"},
		{"self-referral", customerBody("c5", "ALICE@example.com", "", "ALICE", "2026-11-24T10:00:00Z"), "self_referral"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := send(t, e.h, signed(t, fmt.Sprintf("msg_r%d", i), tt.body))
			if r.status != 200 || r.body["attributed"] != false || r.body["reason"] != tt.reason || r.body["partner_id"] != nil {
				t.Errorf("got %d %v, want attributed false, reason %s", r.status, r.body, tt.reason)
			}
		})
	}
}

func TestSignupRefusalsWriteNothing(t *testing.T) {
	b := dynamotest.Embedded(t)
	st := dynamo.New(b.Client, b.Table)
	e := newEnv(t, st, st)
	good := customerBody("cus_x", "x@example.com", "", "", "2026-11-24T10:00:00Z")
	stale := signed(t, "m", good)
	stale.ts -= 301
	stale.signature, _ = webhook.Sign(testSecret, "m", stale.ts, []byte(good))
	tests := []struct {
		name   string
		d      delivery
		status int
		code   string
	}{
		{"no signature", delivery{id: "m", body: good, ts: testNow.Unix()}, 401, "invalid_signature"},
		{"wrong signature", delivery{id: "m", body: good, ts: testNow.Unix(), signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}, 401, "invalid_signature"},
		{"no webhook-id", func() delivery { d := signed(t, "m", good); d.id = ""; return d }(), 401, "invalid_signature"},
		{"body changed", func() delivery { d := signed(t, "m", good); d.body = strings.Replace(good, "x@", "y@", 1); return d }(), 401, "invalid_signature"},
		{"stale", stale, 401, "invalid_signature"},
		{"oversize", signed(t, "m", `{"pad":"`+strings.Repeat("a", 70000)+`"}`), 413, "payload_too_large"},
		{"malformed JSON", signed(t, "m", `{"type":`), 400, "invalid_request"},
		{"unknown type", signed(t, "m", strings.Replace(good, "customer.created", "customer.deleted", 1)), 400, "invalid_request"},
		{"missing customer_id", signed(t, "m", customerBody("", "x@example.com", "", "", "2026-11-24T10:00:00Z")), 400, "invalid_request"},
		{"bad email", signed(t, "m", customerBody("c", "x@example.com, y@example.com", "", "", "2026-11-24T10:00:00Z")), 400, "invalid_request"},
		{"missing created_at", signed(t, "m", strings.Replace(good, `"created_at":"2026-11-24T10:00:00Z",`, "", 1)), 400, "invalid_request"},
		{"impossible date", signed(t, "m", customerBody("c", "x@example.com", "", "", "2026-02-30T00:00:00Z")), 400, "invalid_request"},
		{"data not an object", signed(t, "m", `{"type":"customer.created","timestamp":"2026-11-24T10:16:00Z","data":[1]}`), 400, "invalid_request"},
		{"customer_id with #", signed(t, "m", customerBody("cus#1", "x@example.com", "", "", "2026-11-24T10:00:00Z")), 400, "invalid_request"},
		{"customer_id of spaces", signed(t, "m", customerBody("   ", "x@example.com", "", "", "2026-11-24T10:00:00Z")), 400, "invalid_request"},
		{"customer_id with a space", signed(t, "m", customerBody("cus 1", "x@example.com", "", "", "2026-11-24T10:00:00Z")), 400, "invalid_request"},
		{"customer_id not ASCII", signed(t, "m", customerBody("cüs_1", "x@example.com", "", "", "2026-11-24T10:00:00Z")), 400, "invalid_request"},
		{"customer_id of 256", signed(t, "m", customerBody(strings.Repeat("c", 256), "x@example.com", "", "", "2026-11-24T10:00:00Z")), 400, "invalid_request"},
		{"created in year 1", signed(t, "m", customerBody("c", "x@example.com", "", "", "0001-01-01T00:00:00Z")), 400, "invalid_request"},
		{"created in 9999", signed(t, "m", customerBody("c", "x@example.com", "", "", "9999-12-31T23:59:59Z")), 400, "invalid_request"},
		{"created two days ahead", signed(t, "m", customerBody("c", "x@example.com", "", "", "2026-11-26T10:16:01Z")), 400, "invalid_request"},
		{"created 11 years ago", signed(t, "m", customerBody("c", "x@example.com", "", "", "2015-11-24T10:00:00Z")), 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := send(t, e.h, tt.d)
			errObj, _ := r.body["error"].(map[string]any)
			if r.status != tt.status || errObj["code"] != tt.code {
				t.Errorf("got %d %v, want %d %s", r.status, r.body, tt.status, tt.code)
			}
		})
	}
	lk, err := st.LookupSignup(context.Background(), dynamo.SignupKeys{WebhookID: "m", CustomerID: "cus_x"})
	if err != nil || lk.Replay != nil || lk.Existing != nil {
		t.Errorf("refused deliveries wrote %+v, %v", lk, err)
	}
	// After all those refusals, the good delivery still goes through.
	if r := send(t, e.h, signed(t, "m", good)); r.status != 200 || r.body["reason"] != "no_touch" {
		t.Errorf("good delivery after refusals = %d %v", r.status, r.body)
	}
	// The bounds themselves are accepted.
	edge := customerBody(strings.Repeat("c", 255), "y@example.com", "", "", "2026-11-25T10:16:00Z")
	if r := send(t, e.h, signed(t, "m2", edge)); r.status != 200 {
		t.Errorf("255-character customer_id created a day ahead = %d %v, want 200", r.status, r.body)
	}
}

// TestConcurrentSignups: deliveries for one customer, each carrying a
// visitor of a different partner, race; exactly one partner wins, and
// every response names it.
func TestConcurrentSignups(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		st := dynamo.New(b.Client, b.Table)
		e := newEnv(t, st, st)
		const n = 12
		vids := make([]string, n)
		for i := range n {
			id := fmt.Sprintf("pt_racer%02d", i)
			enroll(t, st, id, fmt.Sprintf("racer%02d", i), id+"@example.com")
			vids[i] = click(t, st, id, testNow.Add(-time.Duration(i+1)*time.Minute))
		}
		replies := make([]reply, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				replies[i] = send(t, e.h, signed(t, fmt.Sprintf("msg_race_%d", i), customerBody("cus_race", "erin@example.com", vids[i], "", "2026-11-24T10:15:00Z")))
			}()
		}
		wg.Wait()
		winner := replies[0].body["partner_id"]
		var signups int64
		for i, r := range replies {
			if r.status != 200 || r.body["partner_id"] != winner || winner == nil {
				t.Errorf("reply %d = %d %v, want 200 naming %v", i, r.status, r.body, winner)
			}
		}
		for i := range n {
			c, err := st.Counts(context.Background(), fmt.Sprintf("pt_racer%02d", i))
			if err != nil {
				t.Fatal(err)
			}
			signups += c.Signups
		}
		if signups != 1 {
			t.Errorf("signups counted %d times, want once", signups)
		}
	})
}

// TestSignupWebhookIDReuse: a webhook-id seen before answers its first
// response again for the same raw body and 409 conflict for any other,
// changing nothing either way.
func TestSignupWebhookIDReuse(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		e := newEnv(t, st, st)
		enroll(t, st, "pt_alice", "alice", "alice@example.com")
		const id = "evt_1.retry-1"
		body := customerBody("cus_1", "carol@example.com", "", "alice", "2026-11-24T10:15:00Z")
		first := send(t, e.h, signed(t, id, body))
		if first.status != 200 || first.body["partner_id"] != "pt_alice" {
			t.Fatalf("first delivery = %d %v, want 200 attributed to pt_alice", first.status, first.body)
		}
		// A response stored before bodies were hashed has no hash: it
		// answers whatever body comes under its id, as it did then.
		legacy := dynamo.WebhookResponse{Endpoint: Endpoint, ID: "msg_legacy", Status: 200, Body: `{"attributed":false,"customer_id":"cus_old","reason":"no_touch"}`}
		if _, err := st.SaveWebhookResponse(ctx, legacy, testNow); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name, id, body string
			status         int
			want           string // the answer's body, or its error code
		}{
			{"same body", id, body, 200, fmt.Sprint(first.body)},
			{"other customer", id, customerBody("cus_2", "dave@example.com", "", "alice", "2026-11-24T10:15:00Z"), 409, "conflict"},
			{"same customer, other data", id, customerBody("cus_1", "carol@example.com", "", "", "2026-11-24T10:15:00Z"), 409, "conflict"},
			{"same JSON, other bytes", id, body + "\n", 409, "conflict"},
			{"a body it would refuse", id, `{"type":"customer.deleted"}`, 409, "conflict"},
			{"stored without a hash", "msg_legacy", body, 200, "map[attributed:false customer_id:cus_old reason:no_touch]"},
			{"stored without a hash, refused body", "msg_legacy", `{"type":`, 200, "map[attributed:false customer_id:cus_old reason:no_touch]"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := send(t, e.h, signed(t, tt.id, tt.body))
				got := fmt.Sprint(r.body)
				if errObj, ok := r.body["error"].(map[string]any); ok {
					got = fmt.Sprint(errObj["code"])
				}
				if r.status != tt.status || got != tt.want {
					t.Errorf("got %d %s, want %d %s", r.status, got, tt.status, tt.want)
				}
			})
		}

		// Nothing changed: cus_2 is unknown and alice has one signup.
		if _, err := st.Attribution(ctx, "cus_2"); !errors.Is(err, dynamo.ErrNotFound) {
			t.Errorf("Attribution(cus_2) err = %v, want ErrNotFound", err)
		}
		if c, err := st.Counts(ctx, "pt_alice"); err != nil || c.Signups != 1 {
			t.Errorf("alice signups = %d, %v; want 1", c.Signups, err)
		}
	})
}

// A suspended partner's touches stop winning, even those recorded before
// the suspension, and win again once the partner is reactivated.
func TestSignupSkipsSuspendedPartners(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		e := newEnv(t, st, st)
		enroll(t, st, "pt_alice", "alice", "alice@example.com")
		enroll(t, st, "pt_bob", "bob-code", "bob@example.com")
		vid := click(t, st, "pt_alice", testNow.Add(-2*time.Hour))
		if _, _, err := st.RecordInviteTouch(ctx, e.hasher.Hash("carol@example.com"), "pt_bob", testNow.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SetPartnerStatus(ctx, "pt_alice", partner.StatusSuspended); err != nil {
			t.Fatal(err)
		}

		r := send(t, e.h, signed(t, "msg_s1", customerBody("cus_s1", "carol@example.com", vid, "", "2026-11-24T10:00:00Z")))
		if r.status != 200 || r.body["partner_id"] != "pt_bob" || r.body["source"] != "invite" {
			t.Fatalf("signup with a suspended partner's earlier click = %d %v, want bob by invite", r.status, r.body)
		}
		d, err := st.Attribution(ctx, "cus_s1")
		if err != nil || len(d.Candidates) != 2 || d.Candidates[0].PartnerID != "pt_alice" || d.Candidates[0].Outcome != "suspended" {
			t.Errorf("candidates = %+v, %v; want alice's click suspended", d.Candidates, err)
		}

		// Only the suspended partner's click and code: nobody wins.
		r = send(t, e.h, signed(t, "msg_s2", customerBody("cus_s2", "dan@example.com", vid, "alice", "2026-11-24T10:00:00Z")))
		if r.status != 200 || r.body["attributed"] != false || r.body["reason"] != "partner_suspended" {
			t.Errorf("signup with only suspended touches = %d %v, want reason partner_suspended", r.status, r.body)
		}
		if counts, _ := st.Counts(ctx, "pt_alice"); counts.Signups != 0 {
			t.Errorf("suspended alice signups = %d, want 0", counts.Signups)
		}

		if _, err := st.SetPartnerStatus(ctx, "pt_alice", partner.StatusActive); err != nil {
			t.Fatal(err)
		}
		r = send(t, e.h, signed(t, "msg_s3", customerBody("cus_s3", "erin@example.com", vid, "", "2026-11-24T10:00:00Z")))
		if r.body["partner_id"] != "pt_alice" || r.body["source"] != "click" {
			t.Errorf("signup after reactivation = %v, want alice by click", r.body)
		}
	})
}
