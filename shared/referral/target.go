package referral

import (
	"errors"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
)

// VisitorParam is the query parameter that carries the visitor id to the
// landing page, so the SaaS can pass it on in its signup webhook.
const VisitorParam = "pk_vid"

// maxTo bounds the ?to= value; longer ones are ignored, not truncated.
const maxTo = 2048

// Redirects decides where a referral link sends the browser: the landing
// URL, or a ?to= deep link that stays on the landing host or an allowed
// host. Its rules are fixed by NewRedirects; it is safe for concurrent use.
type Redirects struct {
	origin  string          // landing scheme://host[:port], for path deep links
	hosts   map[string]bool // lower-case hosts allowed for absolute https links
	landing Target
	// Resolved ?to= values, so the redirect parses a promo link's target
	// once, not once a click; about maxResolved of them at most.
	resolved sync.Map // string → resolution
	size     atomic.Int32
}

// maxResolved bounds the resolutions kept: enough for every promo link's
// target, while odd ?to= values past it are parsed each time.
const maxResolved = 4096

type resolution struct {
	t  Target
	ok bool
}

// Target is a resolved redirect destination, kept in two parts so the
// visitor id can be added to its query without parsing it again.
type Target struct {
	base     string // scheme://host/path?query, without pk_vid
	hasQuery bool
	fragment string // "#..." or ""
}

// NewRedirects checks the landing URL (absolute http or https, no user
// info) and the allowed hosts (bare host names, compared exactly).
func NewRedirects(landingURL string, allowedHosts []string) (*Redirects, error) {
	u, err := url.Parse(landingURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.Opaque != "" {
		return nil, errors.New("referral: LANDING_URL must be an absolute http(s) URL without user info")
	}
	r := &Redirects{
		origin: u.Scheme + "://" + strings.ToLower(u.Host),
		hosts:  map[string]bool{strings.ToLower(u.Hostname()): true},
	}
	for _, h := range allowedHosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" {
			continue
		}
		if strings.ContainsAny(h, "/:@?#\\ ") {
			return nil, errors.New("referral: ALLOWED_REDIRECT_HOSTS takes bare host names, like app.example.com")
		}
		r.hosts[h] = true
	}
	r.landing = newTarget(r.origin, u)
	return r, nil
}

// Resolve returns where a link with ?to=to should go: the deep link when it
// is safe, else the landing URL. It never returns another host.
func (r *Redirects) Resolve(to string) Target {
	t, _ := r.resolve(to)
	return t
}

// Allowed reports whether to is a deep link Resolve follows: what a promo
// link's target must be.
func (r *Redirects) Allowed(to string) bool {
	_, ok := r.resolve(to)
	return ok
}

func (r *Redirects) resolve(to string) (Target, bool) {
	if to == "" || len(to) > maxTo || !plainASCII(to) {
		return r.landing, false
	}
	if v, ok := r.resolved.Load(to); ok {
		res := v.(resolution)
		return res.t, res.ok
	}
	t, ok := r.parse(to)
	if r.size.Load() < maxResolved {
		if _, loaded := r.resolved.LoadOrStore(to, resolution{t, ok}); !loaded {
			r.size.Add(1)
		}
	}
	return t, ok
}

// parse decides a ?to= value of plain ASCII and allowed length.
func (r *Redirects) parse(to string) (Target, bool) {
	if to[0] == '/' {
		if len(to) > 1 && to[1] == '/' {
			return r.landing, false // scheme-relative: another host
		}
		u, err := url.Parse(to)
		if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
			return r.landing, false
		}
		return newTarget(r.origin, u), true
	}
	if len(to) < 8 || !strings.EqualFold(to[:8], "https://") {
		return r.landing, false
	}
	u, err := url.Parse(to)
	if err != nil || u.Scheme != "https" || u.User != nil || u.Opaque != "" {
		return r.landing, false
	}
	host := strings.ToLower(u.Hostname())
	if port := u.Port(); (port != "" && port != "443") || !r.hosts[host] || !plainHost(host) {
		return r.landing, false
	}
	return newTarget("https://"+host, u), true
}

func newTarget(origin string, u *url.URL) Target {
	path := u.EscapedPath()
	if path != "" && path[0] != '/' {
		path = "/" + path
	}
	t := Target{base: origin + path}
	if q := withoutVisitor(u.RawQuery); q != "" {
		t.base += "?" + q
		t.hasQuery = true
	}
	if u.Fragment != "" {
		t.fragment = "#" + u.EscapedFragment()
	}
	return t
}

// maxPassed bounds the query a link passes on; longer ones are dropped.
const maxPassed = 2048

// WithParams returns t with the link's own query parameters appended, as
// written (values unchanged): utm_*, sid, ref and the like reach the
// landing page (contract section 3). The link's to and inv are
// partnerkit's own, and pk_vid is only ever the one partnerkit sets, so
// those are dropped, as are parts with bytes a URL may not carry raw.
func (t Target) WithParams(rawQuery string) Target {
	if rawQuery == "" || len(rawQuery) > maxPassed || !plainASCII(rawQuery) {
		return t
	}
	// One allocation: the new base, built in place.
	var b strings.Builder
	b.Grow(len(t.base) + 1 + len(rawQuery))
	b.WriteString(t.base)
	added := false
	for part := range strings.SplitSeq(rawQuery, "&") {
		name, _, _ := strings.Cut(part, "=")
		if name == "" || name == "to" || name == "inv" || name == VisitorParam || strings.ContainsRune(part, '#') {
			continue
		}
		if added || t.hasQuery {
			b.WriteByte('&')
		} else {
			b.WriteByte('?')
		}
		b.WriteString(part)
		added = true
	}
	if !added {
		return t
	}
	t.base, t.hasQuery = b.String(), true
	return t
}

// URL returns the destination as is, for requests that are not counted.
func (t Target) URL() string { return t.base + t.fragment }

// WithVisitor returns the destination with pk_vid=visitorID added to its
// query, keeping the existing query and fragment.
func (t Target) WithVisitor(visitorID string) string {
	sep := "?"
	if t.hasQuery {
		sep = "&"
	}
	return t.base + sep + VisitorParam + "=" + visitorID + t.fragment
}

// withoutVisitor drops any pk_vid a link author put in the query, so the
// landing page only ever sees the one partnerkit set.
func withoutVisitor(q string) string {
	if !strings.Contains(q, VisitorParam) {
		return q
	}
	kept := make([]string, 0, 4)
	for _, part := range strings.Split(q, "&") {
		name, _, _ := strings.Cut(part, "=")
		if name == VisitorParam || part == "" {
			continue
		}
		kept = append(kept, part)
	}
	return strings.Join(kept, "&")
}

// plainASCII refuses control characters, spaces, backslashes (which
// browsers read as slashes) and non-ASCII bytes.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '\\' {
			return false
		}
	}
	return true
}

// plainHost refuses hosts that url.Parse accepted with escapes or odd bytes.
func plainHost(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return h != ""
}
