package hooks_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"partnerkit/shared/hooks"
)

// resolver answers from a table, as DNS would.
type resolver map[string][]string

func (r resolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, s := range r[host] {
		out = append(out, netip.MustParseAddr(s))
	}
	if len(out) == 0 {
		return nil, errors.New("no such host")
	}
	return out, nil
}

func TestCheckURL(t *testing.T) {
	dns := resolver{
		"hooks.example.com": {"93.184.215.14"},
		"v6.example.com":    {"2606:2800:21f:cb07:6820:80da:af6b:8b2c"},
		"rebind.example":    {"93.184.215.14", "10.1.2.3"}, // one private answer is enough to refuse
		"meta.example":      {"169.254.169.254"},
		"cgnat.example":     {"100.100.100.200"},
		"local.example":     {"127.0.0.1"},
		"localhost":         {"127.0.0.1", "::1"},
		"mapped.example":    {"::ffff:172.16.0.1"},
	}
	ok := []struct {
		url   string
		local bool
	}{
		{"https://hooks.example.com/partnerkit", false},
		{"https://hooks.example.com:8443/p?x=1", false},
		{"https://v6.example.com/", false},
		{"https://93.184.215.14/", false},
		{"http://127.0.0.1:8080/hook", true},
		{"http://localhost:8080/hook", true},
		{"https://local.example/hook", true},
	}
	for _, c := range ok {
		if _, err := hooks.CheckURL(context.Background(), c.url, c.local, dns); err != nil {
			t.Errorf("CheckURL(%q, local %v) = %v, want ok", c.url, c.local, err)
		}
	}
	bad := []struct {
		url   string
		local bool
	}{
		{"http://hooks.example.com/", false},
		{"http://hooks.example.com/", true}, // plain http only to loopback, even locally
		{"http://127.0.0.1/", false},
		{"https://127.0.0.1/", false},
		{"https://local.example/", false},
		{"https://rebind.example/", false},
		{"https://meta.example/", false},
		{"https://cgnat.example/", false},
		{"https://mapped.example/", false},
		{"https://nowhere.example/", false},
		{"https://[::1]/", false},
		{"https://0.0.0.0/", false},
		{"https://hooks.example.com/#frag", false},
		{"https://u@hooks.example.com/", false},
		{"https://hooks.example.com:0/", false},
		{"https:hooks.example.com", false},
		{"https://hooks.example.com/" + strings.Repeat("x", hooks.MaxURLLength), false},
		{"", false},
	}
	for _, c := range bad {
		if _, err := hooks.CheckURL(context.Background(), c.url, c.local, dns); !errors.Is(err, hooks.ErrBadURL) {
			t.Errorf("CheckURL(%q, local %v) = %v, want ErrBadURL", c.url, c.local, err)
		}
	}
}

func TestAddressAllowed(t *testing.T) {
	for _, s := range []string{"10.0.0.1", "172.31.255.255", "192.168.0.1", "127.0.0.1", "169.254.169.254", "100.64.0.1",
		"224.0.0.251", "255.255.255.255", "0.0.0.0", "::1", "fe80::1", "fd00:ec2::254", "ff02::1", "::ffff:10.0.0.1", "64:ff9b::a00:1"} {
		if hooks.AddressAllowed(netip.MustParseAddr(s), false) {
			t.Errorf("AddressAllowed(%s) = true", s)
		}
	}
	for _, s := range []string{"93.184.215.14", "1.1.1.1", "2606:4700:4700::1111"} {
		if !hooks.AddressAllowed(netip.MustParseAddr(s), false) {
			t.Errorf("AddressAllowed(%s) = false", s)
		}
	}
	if !hooks.AddressAllowed(netip.MustParseAddr("127.0.0.1"), true) || hooks.AddressAllowed(netip.MustParseAddr("10.0.0.1"), true) {
		t.Error("local mode must allow loopback and nothing else")
	}
}

func TestCheckEvents(t *testing.T) {
	got, err := hooks.CheckEvents([]string{"payout.paid", "partner.enrolled", "payout.paid"})
	if err != nil || strings.Join(got, ",") != "payout.paid,partner.enrolled" {
		t.Errorf("CheckEvents = %v, %v", got, err)
	}
	for _, l := range [][]string{nil, {}, {"payout.*"}, {"PAYOUT.PAID"}, {"webhook.test"}, {"payout.paid", ""}} {
		if _, err := hooks.CheckEvents(l); !errors.Is(err, hooks.ErrBadEvents) {
			t.Errorf("CheckEvents(%q) = %v, want ErrBadEvents", l, err)
		}
	}
}

func TestNextAttemptBacksOffWithinThreeDays(t *testing.T) {
	first := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	top := func(n int64) int64 { return n - 1 } // the ceiling
	now := first
	prevWait := time.Duration(0)
	attempts := 0
	for {
		attempts++
		next, retry := hooks.NextAttempt(first, now, attempts, top)
		if !retry {
			break
		}
		wait := next.Sub(now)
		if wait < prevWait && next.Before(first.Add(hooks.RetryFor)) {
			t.Errorf("attempt %d waits %v, less than the %v before", attempts, wait, prevWait)
		}
		if wait > hooks.RetryCap {
			t.Errorf("attempt %d waits %v, over the cap", attempts, wait)
		}
		prevWait, now = wait, next
	}
	if now.After(first.Add(hooks.RetryFor)) || now.Before(first.Add(hooks.RetryFor-hooks.RetryCap)) {
		t.Errorf("gave up at %v, want at three days", now.Sub(first))
	}
	t.Logf("%d attempts over %v at the longest waits", attempts, now.Sub(first))
	// Full jitter: the wait is drawn below the ceiling, never under a second.
	if next, _ := hooks.NextAttempt(first, first, 5, func(int64) int64 { return 0 }); next.Sub(first) != hooks.RetryMin {
		t.Errorf("zero jitter waits %v, want %v", next.Sub(first), hooks.RetryMin)
	}
}

func TestSignVerifiesWithEverySecret(t *testing.T) {
	old, cur := hooks.NewSecret(), hooks.NewSecret()
	body := []byte(`{"id":"evt_1"}`)
	h, err := hooks.Sign("evt_1", time.Now(), body, []string{cur, old})
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("webhook-id") != "evt_1" || len(strings.Fields(h.Get("webhook-signature"))) != 2 {
		t.Fatalf("headers %v", h)
	}
	for _, s := range []string{old, cur} {
		wh, _ := standardwebhooks.NewWebhook(s)
		if err := wh.Verify(body, h); err != nil {
			t.Errorf("secret %d does not verify: %v", len(s), err)
		}
	}
	other, _ := standardwebhooks.NewWebhook(hooks.NewSecret())
	if other.Verify(body, h) == nil {
		t.Error("an unrelated secret verifies")
	}
}

func TestSecretsDuringRotation(t *testing.T) {
	now := time.Now()
	e := hooks.Endpoint{Secret: "whsec_new", PreviousSecret: "whsec_old", PreviousUntil: now.Add(time.Hour)}
	if got := e.Secrets(now); len(got) != 2 {
		t.Errorf("within the grace period: %v", got)
	}
	if got := e.Secrets(now.Add(2 * time.Hour)); len(got) != 1 || got[0] != "whsec_new" {
		t.Errorf("after the grace period: %v", got)
	}
}
