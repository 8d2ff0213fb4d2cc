package stripehook

import (
	"errors"
	"testing"
)

func TestISOAmount(t *testing.T) {
	for _, tc := range []struct {
		currency string
		stripe   int64
		code     string
		iso      int64
		err      error
	}{
		{"usd", 1999, "USD", 1999, nil},
		{"jpy", 500, "JPY", 500, nil}, // zero-decimal in both
		{"krw", 15000, "KRW", 15000, nil},
		{"kwd", 5120, "KWD", 5120, nil},   // three decimals in both
		{"isk", 500000, "ISK", 5000, nil}, // Stripe's ISK 5000.00 is ISO's 5000
		{"isk", 100050, "ISK", 0, errInexact},
		{"huf", 123456, "HUF", 123456, nil}, // two decimals in both
		{"twd", 30000, "TWD", 30000, nil},
		{"ugx", 3700, "UGX", 3700, nil},   // zero-decimal in both
		{"mga", 5000, "MGA", 500000, nil}, // zero-decimal in Stripe, two in ISO
		{"usd", -1, "USD", 0, errInexact},
	} {
		code, iso, err := isoAmount(tc.currency, tc.stripe)
		if code != tc.code || iso != tc.iso || !errors.Is(err, tc.err) {
			t.Errorf("isoAmount(%q, %d) = %q, %d, %v; want %q, %d, %v", tc.currency, tc.stripe, code, iso, err, tc.code, tc.iso, tc.err)
		}
	}
	if _, _, err := isoAmount("xyz", 100); err == nil {
		t.Error("isoAmount of an unknown currency: no error")
	}
}

func TestMulDiv(t *testing.T) {
	for _, tc := range []struct {
		a, b, c int64
		halfUp  bool
		want    int64
	}{
		{5950, 10000, 11900, false, 5000},
		{1, 1, 2, true, 1},
		{1, 1, 3, true, 0},
		{2, 1, 3, true, 1},
		{1e14, 1e14, 1e14, false, 1e14}, // no overflow on the product
	} {
		if got := mulDiv(tc.a, tc.b, tc.c, tc.halfUp); got != tc.want {
			t.Errorf("mulDiv(%d, %d, %d, %v) = %d, want %d", tc.a, tc.b, tc.c, tc.halfUp, got, tc.want)
		}
	}
}
