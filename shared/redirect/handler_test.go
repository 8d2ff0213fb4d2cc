package redirect

import (
	"context"
	"errors"
	"io"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/httpapi/apitest"
	"partnerkit/shared/metrics"
	"partnerkit/shared/partner"
	"partnerkit/shared/referral"
	"partnerkit/shared/signing"
)

// fakeStore is an in-memory Store for handler logic; the real store is
// tested against DynamoDB Local in package dynamo.
type fakeStore struct {
	mu      sync.Mutex
	owners  map[string]partner.CodeOwner
	clicks  map[string]int
	touches map[string]referral.Touch
	lookups int
	fail    error
	// Promo links by "code/slug", and clicks and unique clicks by link id
	// ("" for the code itself); seen is CountRepeatClick's memory.
	links      map[string]dynamo.LinkRoute
	linkClicks map[string]int
	unique     map[string]int
	seen       map[string]time.Time
}

func newFakeStore() *fakeStore {
	return &fakeStore{
		owners: map[string]partner.CodeOwner{
			"abcd2345": {PartnerID: "pt_a", Active: true},
			"bbbb2345": {PartnerID: "pt_b", Active: true},
			"sus-code": {PartnerID: "pt_s", Active: false},
		},
		clicks:  map[string]int{},
		touches: map[string]referral.Touch{},
		links: map[string]dynamo.LinkRoute{
			"abcd2345/spring": {LinkID: "ln_2345678923", To: "/pricing?plan=pro", Sid: "newsletter"},
			"abcd2345/old":    {LinkID: "ln_3456789a23", To: "/old", Archived: true},
		},
		linkClicks: map[string]int{},
		unique:     map[string]int{},
		seen:       map[string]time.Time{},
	}
}

func (f *fakeStore) CodeOwner(_ context.Context, code string) (partner.CodeOwner, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	if f.fail != nil {
		return partner.CodeOwner{}, f.fail
	}
	o, ok := f.owners[code]
	if !ok {
		return partner.CodeOwner{}, dynamo.ErrNotFound
	}
	return o, nil
}

func (f *fakeStore) LinkRoute(ctx context.Context, code, slug string) (partner.CodeOwner, dynamo.LinkRoute, error) {
	o, err := f.CodeOwner(ctx, code)
	if err != nil {
		return o, dynamo.LinkRoute{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return o, f.links[code+"/"+slug], nil
}

func (f *fakeStore) CountClick(_ context.Context, c dynamo.Click) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clicks[c.PartnerID]++
	f.linkClicks[c.LinkID]++
	if c.Unique {
		f.unique[c.LinkID]++
	}
	return nil
}

func (f *fakeStore) CountRepeatClick(_ context.Context, vid string, c dynamo.Click) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := vid + "|" + c.PartnerID + "|" + c.LinkID
	if !referral.Unique(f.seen[k], c.At) {
		return false, nil
	}
	f.seen[k] = c.At
	f.unique[c.LinkID]++
	return true, nil
}

func (f *fakeStore) RecordFirstTouch(_ context.Context, t referral.Touch, _ time.Duration) (referral.Touch, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if w, ok := f.touches[t.VisitorID]; ok {
		return w, false, nil
	}
	f.touches[t.VisitorID] = t
	return t, true, nil
}

var testNow = time.Date(2026, 11, 24, 10, 15, 30, 0, time.UTC)

func testHandler(t testing.TB, store Store) (lambda.Handler, *referral.Cookies) {
	t.Helper()
	kr, err := signing.ParseKeyring("k1:0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	redirects, err := referral.NewRedirects("https://www.example.com/welcome?src=pk", []string{"app.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	cookies := &referral.Cookies{Keys: kr, MaxAge: 90 * 24 * time.Hour, Secure: true}
	h := New(Options{Store: store, Redirects: redirects, Cookies: cookies, CodeTTL: CodeTTL, Now: func() time.Time { return testNow }})
	return lambda.NewHandler(h.Handle), cookies
}

// browserFixture is a click from a browser, as API Gateway recorded it.
const browserFixture = "testdata/apigw-v2-redirect-browser.json"

func fixture(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(browserFixture)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// event returns the browser fixture with edits applied to its JSON.
func event(t testing.TB, edit func(ev map[string]any)) []byte {
	t.Helper()
	ev := apitest.Load(t, browserFixture)
	if edit != nil {
		edit(ev)
	}
	return apitest.Encode(t, ev)
}

func invoke(t *testing.T, h lambda.Handler, payload []byte) apitest.Response {
	t.Helper()
	r := apitest.Invoke(t, h, payload)
	if r.StatusCode != 302 || r.Headers["Cache-Control"] != "no-store" || r.Headers["Referrer-Policy"] != "strict-origin-when-cross-origin" {
		t.Fatalf("response %+v: want 302 with no-store and strict-origin-when-cross-origin", r)
	}
	return r
}

func visitorOf(t *testing.T, location string) string {
	t.Helper()
	u, err := url.Parse(location)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("pk_vid")
}

func TestBrowserFixture(t *testing.T) {
	store := newFakeStore()
	h, cookies := testHandler(t, store)
	r := invoke(t, h, fixture(t))
	vid := visitorOf(t, r.Headers["Location"])
	if want := "https://www.example.com/pricing?utm_source=x&pk_vid=" + vid; r.Headers["Location"] != want || !referral.ValidVisitorID(vid) {
		t.Errorf("Location = %q, want %q with a new visitor id", r.Headers["Location"], want)
	}
	// The fixture's pk_ref has a made-up signature: it is ignored.
	if len(r.Cookies) != 1 || !strings.HasPrefix(r.Cookies[0], "pk_ref=") {
		t.Fatalf("cookies = %v, want one new pk_ref", r.Cookies)
	}
	value := strings.TrimPrefix(strings.SplitN(r.Cookies[0], ";", 2)[0], "pk_ref=")
	touch, ok := cookies.Decode(value, testNow)
	if !ok || touch != (referral.Touch{VisitorID: vid, PartnerID: "pt_a", At: testNow}) {
		t.Errorf("cookie decodes to %+v, %v", touch, ok)
	}
	if store.clicks["pt_a"] != 1 || store.touches[vid] != touch {
		t.Errorf("stored clicks %v, touches %v; want one click and the touch", store.clicks, store.touches)
	}
}

func TestFirstTouchKept(t *testing.T) {
	store := newFakeStore()
	h, cookies := testHandler(t, store)
	first := referral.Touch{VisitorID: referral.NewVisitorID(), PartnerID: "pt_a", At: testNow.Add(-time.Hour)}
	r := invoke(t, h, event(t, func(ev map[string]any) {
		ev["pathParameters"] = map[string]any{"code": "BBBB2345"}
		ev["cookies"] = []any{"pk_ref=" + cookies.Value(first)}
	}))
	if got := visitorOf(t, r.Headers["Location"]); got != first.VisitorID {
		t.Errorf("pk_vid = %q, want the cookie's visitor %q", got, first.VisitorID)
	}
	if len(r.Cookies) != 0 {
		t.Errorf("set cookies %v on a visitor who had a valid one", r.Cookies)
	}
	if store.clicks["pt_b"] != 1 || len(store.touches) != 0 {
		t.Errorf("clicks %v touches %v: want one click for the clicked partner and no new touch", store.clicks, store.touches)
	}

	expired := referral.Touch{VisitorID: referral.NewVisitorID(), PartnerID: "pt_a", At: testNow.Add(-91 * 24 * time.Hour)}
	r = invoke(t, h, event(t, func(ev map[string]any) { ev["cookies"] = []any{"pk_ref=" + cookies.Value(expired)} }))
	if visitorOf(t, r.Headers["Location"]) == expired.VisitorID || len(r.Cookies) != 1 {
		t.Errorf("an expired cookie was honoured: %+v", r)
	}
}

func TestNotCounted(t *testing.T) {
	tests := map[string]func(ev map[string]any){
		"HEAD": func(ev map[string]any) {
			ev["requestContext"].(map[string]any)["http"].(map[string]any)["method"] = "HEAD"
		},
		"bot":       func(ev map[string]any) { ev["headers"].(map[string]any)["user-agent"] = "Twitterbot/1.0" },
		"prefetch":  func(ev map[string]any) { ev["headers"].(map[string]any)["sec-purpose"] = "prefetch" },
		"unknown":   func(ev map[string]any) { ev["pathParameters"] = map[string]any{"code": "nobody-here"} },
		"suspended": func(ev map[string]any) { ev["pathParameters"] = map[string]any{"code": "sus-code"} },
		"malformed": func(ev map[string]any) { ev["pathParameters"] = map[string]any{"code": "bad_code!"} },
		"oversize":  func(ev map[string]any) { ev["pathParameters"] = map[string]any{"code": strings.Repeat("a", 40)} },
		"evil to": func(ev map[string]any) {
			ev["queryStringParameters"] = map[string]any{"to": "//evil.com"}
			ev["headers"].(map[string]any)["user-agent"] = "bot"
		},
		"empty code": func(ev map[string]any) { delete(ev, "pathParameters") },
		// Not a top-level navigation: an <img> or <iframe> pointing at the link.
		"image":  func(ev map[string]any) { ev["headers"].(map[string]any)["sec-fetch-dest"] = "image" },
		"iframe": func(ev map[string]any) { ev["headers"].(map[string]any)["sec-fetch-dest"] = "iframe" },
		"WhatsApp preview": func(ev map[string]any) {
			ev["headers"].(map[string]any)["user-agent"] = "WhatsApp/2.23.20.0 A"
		},
	}
	for name, edit := range tests {
		t.Run(name, func(t *testing.T) {
			store := newFakeStore()
			h, _ := testHandler(t, store)
			r := invoke(t, h, event(t, edit))
			want := "https://www.example.com/pricing?utm_source=x"
			if name == "evil to" {
				want = "https://www.example.com/welcome?src=pk&utm_source=x"
			}
			if r.Headers["Location"] != want || len(r.Cookies) != 0 {
				t.Errorf("got Location %q cookies %v; want %q and no cookie", r.Headers["Location"], r.Cookies, want)
			}
			if len(store.clicks) != 0 || len(store.touches) != 0 {
				t.Errorf("wrote clicks %v touches %v", store.clicks, store.touches)
			}
		})
	}
}

func TestStoreFailureStillRedirects(t *testing.T) {
	store := newFakeStore()
	store.fail = errors.New("throttled")
	h, _ := testHandler(t, store)
	r := invoke(t, h, fixture(t))
	if r.Headers["Location"] != "https://www.example.com/pricing?utm_source=x" || len(r.Cookies) != 0 {
		t.Errorf("on store failure got %+v; want the landing page without cookie", r)
	}
}

func TestCodeLookupCached(t *testing.T) {
	store := newFakeStore()
	h, _ := testHandler(t, store)
	for range 3 {
		invoke(t, h, fixture(t))
	}
	if store.lookups != 1 || store.clicks["pt_a"] != 3 {
		t.Errorf("lookups %d clicks %d; want 1 lookup for 3 counted clicks", store.lookups, store.clicks["pt_a"])
	}
}

// BenchmarkRedirectHandler runs the realistic browser request through the
// Lambda handler (event decode and response encode included) with the
// store faked and the code cached.
func BenchmarkRedirectHandler(b *testing.B) {
	h, _ := testHandler(b, nopStore{})
	payload := fixture(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Invoke(ctx, payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRedirectMetrics is BenchmarkRedirectHandler with metric lines
// on, written to io.Discard: the cost of counting the click.
func BenchmarkRedirectMetrics(b *testing.B) {
	metrics.SetOutput(io.Discard)
	b.Cleanup(func() { metrics.SetOutput(nil) })
	BenchmarkRedirectHandler(b)
}

// nopStore answers instantly and keeps nothing, so the benchmark measures
// the handler, not a map that grows with b.N.
type nopStore struct{}

func (nopStore) CodeOwner(context.Context, string) (partner.CodeOwner, error) {
	return partner.CodeOwner{PartnerID: "pt_a", Active: true}, nil
}
func (nopStore) LinkRoute(context.Context, string, string) (partner.CodeOwner, dynamo.LinkRoute, error) {
	return partner.CodeOwner{PartnerID: "pt_a", Active: true}, dynamo.LinkRoute{}, nil
}
func (nopStore) CountClick(context.Context, dynamo.Click) error { return nil }
func (nopStore) CountRepeatClick(context.Context, string, dynamo.Click) (bool, error) {
	return false, nil
}
func (nopStore) RecordFirstTouch(_ context.Context, t referral.Touch, _ time.Duration) (referral.Touch, bool, error) {
	return t, true, nil
}

// BenchmarkRedirectFloor is the same Invoke with a handler that does
// nothing: the cost of decoding the event and encoding a response alone,
// to report BenchmarkRedirectHandler as a ratio on a noisy machine.
func BenchmarkRedirectFloor(b *testing.B) {
	h := lambda.NewHandler(func(context.Context, Request) (Response, error) { return found("https://www.example.com/"), nil })
	payload := fixture(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Invoke(ctx, payload); err != nil {
			b.Fatal(err)
		}
	}
}

// A store that accepts the connection and never answers must not hold the
// visitor: after at most StoreBudget the visitor lands, uncounted.
func TestStalledStoreStillRedirects(t *testing.T) {
	b := dynamotest.Stalled(t)
	h, _ := testHandler(t, dynamo.New(b.Client, b.Table))
	start := time.Now()
	r := invoke(t, h, fixture(t))
	took := time.Since(start)
	if got := r.Headers["Location"]; got != "https://www.example.com/pricing?utm_source=x" {
		t.Errorf("Location = %q, want the fixture's ?to= target without pk_vid", got)
	}
	if len(r.Cookies) != 0 {
		t.Errorf("a cookie was set without a stored touch: %+v", r)
	}
	// The contract's bound for the whole answer when the store stalls.
	if took > 2*time.Second {
		t.Errorf("redirect took %v with a stalled store, want at most 2s", took)
	}
}
