package delivery_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"partnerkit/shared/delivery"
)

// The address is checked when the connection is made, not only when the
// URL is registered: a name that resolves to a loopback or private
// address later (DNS rebinding) is refused then.
func TestSenderRefusesPrivateAddressesAtDialTime(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	res := delivery.NewHTTPSender(false).Send(context.Background(), srv.URL, http.Header{}, []byte("{}"))
	if res.OK() || res.Err != "address not allowed" || hits.Load() != 0 {
		t.Errorf("send to %s = %+v with %d requests, want refused before connecting", srv.URL, res, hits.Load())
	}
	// "localhost" resolves to loopback: refused the same way.
	res = delivery.NewHTTPSender(false).Send(context.Background(), "http://localhost:"+srv.URL[len("http://127.0.0.1:"):], http.Header{}, []byte("{}"))
	if res.OK() || hits.Load() != 0 {
		t.Errorf("send through localhost = %+v", res)
	}
	// The local stack allows loopback.
	if res := delivery.NewHTTPSender(true).Send(context.Background(), srv.URL, http.Header{}, []byte("{}")); !res.OK() || hits.Load() != 1 {
		t.Errorf("local send = %+v", res)
	}
}

func TestSenderFollowsNoRedirect(t *testing.T) {
	var hits atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer target.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	res := delivery.NewHTTPSender(true).Send(context.Background(), srv.URL, http.Header{}, []byte("{}"))
	if res.OK() || res.Code != http.StatusTemporaryRedirect || hits.Load() != 0 {
		t.Errorf("redirect: %+v, %d requests to its target", res, hits.Load())
	}
}
