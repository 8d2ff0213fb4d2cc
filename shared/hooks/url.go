package hooks

import (
	"context"
	"encoding/base32"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"

	"partnerkit/shared/events"
)

// MaxURLLength bounds an endpoint URL.
const MaxURLLength = 2048

// MaxEndpoints bounds how many endpoints a program registers: every event
// is fanned out to each, in the transaction-free dispatch.
const MaxEndpoints = 50

func base32Lower(b []byte) string {
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// blocked are the networks a delivery never reaches: private, loopback,
// link-local (the metadata service among them), shared CGNAT space,
// multicast, reserved and the like, in IPv4 and IPv6.
var blocked = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
		"203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
		"::/128", "::1/128", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001:db8::/32", "2002::/16",
		"fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// AddressAllowed reports whether a delivery may connect to ip. Loopback is
// allowed only when allowLoopback (the local stack).
func AddressAllowed(ip netip.Addr, allowLoopback bool) bool {
	ip = ip.Unmap()
	if !ip.IsValid() {
		return false
	}
	if allowLoopback && ip.IsLoopback() {
		return true
	}
	for _, p := range blocked {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// ErrBadURL and ErrBadEvents are the errors of CheckURL and CheckEvents;
// their messages are meant for the admin.
var (
	ErrBadURL    = errors.New("hooks: endpoint URL refused")
	ErrBadEvents = errors.New("hooks: event list refused")
)

// Resolver looks host names up; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

var _ Resolver = (*net.Resolver)(nil)

// CheckURL validates an endpoint URL: absolute https (plain http only to
// a loopback host when local), no user info or fragment, at most
// MaxURLLength characters, and every address its host resolves to
// allowed. Deliveries check the address again when they connect, since
// DNS may answer differently later.
func CheckURL(ctx context.Context, raw string, local bool, r Resolver) (string, error) {
	bad := func(f string, a ...any) (string, error) {
		return "", fmt.Errorf("%w: %s", ErrBadURL, fmt.Sprintf(f, a...))
	}
	if raw == "" {
		return bad("url is required")
	}
	if len(raw) > MaxURLLength {
		return bad("url is longer than %d characters", MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return bad("url must be an absolute https URL")
	}
	if u.User != nil {
		return bad("url may not carry a user name or password")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return bad("url may not carry a fragment")
	}
	host := u.Hostname()
	loopbackHost := host == "localhost" || strings.HasSuffix(host, ".localhost")
	if ip, err := netip.ParseAddr(host); err == nil {
		loopbackHost = ip.Unmap().IsLoopback()
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !(local && loopbackHost) {
			return bad("url must use https")
		}
	default:
		return bad("url must use https")
	}
	if p := u.Port(); p != "" {
		if _, err := netip.ParseAddrPort("127.0.0.1:" + p); err != nil || p == "0" {
			return bad("url has a bad port")
		}
	}
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		addrs, err = r.LookupNetIP(ctx, "ip", host)
		if err != nil || len(addrs) == 0 {
			return bad("the url's host %q does not resolve", host)
		}
	}
	for _, ip := range addrs {
		if !AddressAllowed(ip, local) {
			return bad("the url's host resolves to %s, a private, loopback, link-local or reserved address", ip.Unmap())
		}
	}
	return u.String(), nil
}

// CheckEvents validates an endpoint's event list: one or more known
// types, each once; it returns them deduplicated in the given order.
func CheckEvents(list []string) ([]string, error) {
	if len(list) == 0 {
		return nil, fmt.Errorf("%w: events must name at least one event type", ErrBadEvents)
	}
	seen := map[string]bool{}
	var out []string
	for _, t := range list {
		if !events.Known(t) {
			return nil, fmt.Errorf("%w: %q is not an event type (known: %s)", ErrBadEvents, t, strings.Join(events.Types, ", "))
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out, nil
}
