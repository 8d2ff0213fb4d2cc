package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"partnerkit/shared/hooks"
)

// ErrAddressRefused reports a connection to an address deliveries may
// not reach.
var ErrAddressRefused = errors.New("delivery: address not allowed")

// Result is the outcome of one attempt.
type Result struct {
	Code    int // 0 when no response came
	Err     string
	Latency time.Duration
}

// OK reports whether the endpoint accepted the delivery (any 2xx).
func (r Result) OK() bool { return r.Code >= 200 && r.Code < 300 }

// Sender posts signed deliveries.
type Sender interface {
	Send(ctx context.Context, url string, headers http.Header, body []byte) Result
}

// HTTPSender posts over HTTP, refusing at dial time every address
// hooks.AddressAllowed refuses (loopback allowed only when AllowLoopback),
// following no redirects, with a bounded time per attempt.
type HTTPSender struct {
	client *http.Client
}

// AttemptTimeout bounds one attempt, response included.
const AttemptTimeout = 10 * time.Second

// NewHTTPSender returns a sender; allowLoopback is for the local stack.
func NewHTTPSender(allowLoopback bool) *HTTPSender {
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !hooks.AddressAllowed(ap.Addr(), allowLoopback) {
			return fmt.Errorf("%w: %s", ErrAddressRefused, address)
		}
		return nil
	}}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would dial on our behalf, past the check
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: AttemptTimeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       30 * time.Second,
	}
	return &HTTPSender{client: &http.Client{Transport: tr, Timeout: AttemptTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Send posts body to url with headers.
func (s *HTTPSender) Send(ctx context.Context, url string, headers http.Header, body []byte) Result {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return Result{Err: "bad request: " + err.Error()}
	}
	for k, v := range headers {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", "partnerkit-webhooks/1")
	resp, err := s.client.Do(req)
	lat := time.Since(start)
	if err != nil {
		msg := "no response"
		var ne net.Error
		switch {
		case errors.Is(err, ErrAddressRefused):
			msg = "address not allowed"
		case errors.As(err, &ne) && ne.Timeout():
			msg = "timed out"
		}
		return Result{Err: msg, Latency: lat}
	}
	// Read a little so the connection can be reused; never keep it.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return Result{Code: resp.StatusCode, Latency: lat}
}
