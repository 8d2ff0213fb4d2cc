package stripehook

import (
	"errors"
	"fmt"
	"math/big"

	"partnerkit/shared/ledger"
)

// Stripe writes amounts in its own minor units: none for its zero-decimal
// currencies, three decimals for five, two for every other currency. Where
// that differs from ISO 4217 (ISK: two in Stripe's API, none in ISO;
// MGA: none in Stripe, two in ISO), amounts are converted; HUF, TWD and
// UGX need none (Stripe's two, two and zero match ISO's; their special
// cases concern payouts and whole-unit charges, not the API's unit).
var stripeExponent = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "JPY": 0, "KMF": 0, "KRW": 0, "MGA": 0,
	"PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "JOD": 3, "KWD": 3, "OMR": 3, "TND": 3,
}

// errInexact is an amount that has no exact value in ISO minor units.
var errInexact = errors.New("stripehook: amount does not convert exactly to ISO 4217 minor units")

// scale returns the upper-case code of a Stripe currency (any letter
// case) and the factor num/den that turns its Stripe amounts into ISO 4217
// minor units.
func scale(currency string) (code string, num, den int64, err error) {
	code, err = ledger.Currency(currency)
	if err != nil {
		return "", 0, 0, fmt.Errorf("stripehook: currency %q: %w", currency, err)
	}
	iso, _ := ledger.Exponent(code)
	st, ok := stripeExponent[code]
	if !ok {
		st = 2
	}
	num, den = 1, 1
	for ; st > iso; st-- {
		den *= 10
	}
	for ; st < iso; st++ {
		num *= 10
	}
	return code, num, den, nil
}

// isoAmount converts a Stripe amount to ISO 4217 minor units. An amount
// that would need rounding (ISK 1050, that is 10.50 krónur) is refused
// with errInexact rather than rounded: a commission on a guess is worse
// than none, and Stripe itself takes only whole krónur since 2023.
func isoAmount(currency string, amount int64) (string, int64, error) {
	code, num, den, err := scale(currency)
	if err != nil {
		return "", 0, err
	}
	if amount < 0 || amount%den != 0 || amount/den > ledger.MaxAmount/num {
		return code, 0, errInexact
	}
	return code, amount / den * num, nil
}

// mulDiv returns a×b/c for non-negative a, b and positive c, rounded
// down, or half up when halfUp, without overflowing on the product.
func mulDiv(a, b, c int64, halfUp bool) int64 {
	p := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	d := big.NewInt(c)
	if halfUp {
		// floor((2ab + c) / 2c)
		p.Add(p.Lsh(p, 1), d)
		d.Lsh(d, 1)
	}
	return p.Quo(p, d).Int64()
}
