package stripehook

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stripe/stripe-go/v82"
)

// fakeAPI serves the list endpoints the connector reads the way Stripe's
// API does: form-style filters, newest first, pages of `limit` (default
// 10) continued with starting_after while has_more.
type fakeAPI struct {
	mu       sync.Mutex
	invoices []*stripe.Invoice
	refunds  []*stripe.Refund
	disputes []*stripe.Dispute
	paidBy   map[string]string // payment intent → invoice id
	calls    int
}

func newFakeAPI(t *testing.T) (*fakeAPI, *Client) {
	f := &fakeAPI{paidBy: map[string]string{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, NewClient("rk_test_fake", srv.URL)
}

func (f *fakeAPI) addInvoice(inv *stripe.Invoice, pi string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.invoices = append(f.invoices, inv)
	f.paidBy[pi] = inv.ID
}

func page[T any](w http.ResponseWriter, r *http.Request, items []T, id func(T) string, created func(T) int64, keep func(T) bool) {
	q := r.URL.Query()
	var out []T
	for _, it := range items {
		if keep != nil && !keep(it) {
			continue
		}
		c := created(it)
		if v := q.Get("created[gte]"); v != "" && c < atoi(v) {
			continue
		}
		if v := q.Get("created[lt]"); v != "" && c >= atoi(v) {
			continue
		}
		out = append(out, it)
	}
	slices.SortStableFunc(out, func(a, b T) int { return int(created(b) - created(a)) })
	if after := q.Get("starting_after"); after != "" {
		for i, it := range out {
			if id(it) == after {
				out = out[i+1:]
				break
			}
		}
	}
	limit := 10
	if v := q.Get("limit"); v != "" {
		limit = int(atoi(v))
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	if out == nil {
		out = []T{}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"object": "list", "url": r.URL.Path, "has_more": more, "data": out})
}

func atoi(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	q := r.URL.Query()
	if r.Method != http.MethodGet || r.Header.Get("Authorization") != "Bearer rk_test_fake" {
		http.Error(w, `{"error":{"type":"invalid_request_error"}}`, http.StatusUnauthorized)
		return
	}
	invID := func(i *stripe.Invoice) string { return i.ID }
	invCreated := func(i *stripe.Invoice) int64 { return i.Created }
	switch r.URL.Path {
	case "/v1/invoices":
		page(w, r, f.invoices, invID, invCreated, func(i *stripe.Invoice) bool { return string(i.Status) == q.Get("status") })
	case "/v1/invoice_payments":
		want := f.paidBy[q.Get("payment[payment_intent]")]
		var ips []*stripe.InvoicePayment
		for _, inv := range f.invoices {
			if inv.ID == want && q.Get("payment[type]") == "payment_intent" {
				ip := &stripe.InvoicePayment{ID: "inpay_" + inv.ID, Object: "invoice_payment", Created: inv.Created, Status: "paid",
					Payment: &stripe.InvoicePaymentPayment{Type: "payment_intent", PaymentIntent: &stripe.PaymentIntent{ID: q.Get("payment[payment_intent]")}}}
				if expands(q, "data.invoice") {
					ip.Invoice = inv
				} else {
					ip.Invoice = &stripe.Invoice{ID: inv.ID}
				}
				ips = append(ips, ip)
			}
		}
		page(w, r, ips, func(i *stripe.InvoicePayment) string { return i.ID }, func(i *stripe.InvoicePayment) int64 { return i.Created }, nil)
	case "/v1/refunds":
		page(w, r, f.refunds, func(x *stripe.Refund) string { return x.ID }, func(x *stripe.Refund) int64 { return x.Created },
			func(x *stripe.Refund) bool {
				return q.Get("charge") == "" || (x.Charge != nil && x.Charge.ID == q.Get("charge"))
			})
	case "/v1/disputes":
		page(w, r, f.disputes, func(x *stripe.Dispute) string { return x.ID }, func(x *stripe.Dispute) int64 { return x.Created }, nil)
	default:
		http.Error(w, `{"error":{"type":"invalid_request_error","message":"Unrecognized request URL"}}`, http.StatusNotFound)
	}
}

// expands reports whether a request expands field; stripe-go sends
// arrays indexed, expand[0]=...
func expands(q url.Values, field string) bool {
	for k, vs := range q {
		if strings.HasPrefix(k, "expand[") && slices.Contains(vs, field) {
			return true
		}
	}
	return false
}
