package ledger

import (
	"errors"
	"math/bits"
)

// MaxAmount bounds a payment: far above any real fee, and low enough that
// amount × 10,000 fits in 64 bits.
const MaxAmount = 1e14

// ErrAmount is returned for amounts that are not positive integers up to MaxAmount.
var ErrAmount = errors.New("amount must be a positive integer of minor units")

// CheckAmount checks a payment or refund amount.
func CheckAmount(a int64) error {
	if a <= 0 || a > MaxAmount {
		return ErrAmount
	}
	return nil
}

// mulDivHalfUp returns round_half_up(a × b / d) for non-negative a, b and
// positive d, exact for any 64-bit inputs whose result fits.
func mulDivHalfUp(a, b, d uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	// Adding d/2 before dividing rounds halves up; carry into hi if needed.
	lo2, carry := bits.Add64(lo, d/2, 0)
	hi += carry
	q, _ := bits.Div64(hi, lo2, d)
	return q
}

// Commission is amount × bps / 10,000, rounded half up once, in the
// payment's minor units (contract section 5). 9999 at 2500 bps is 2500.
func Commission(amount int64, bps int) int64 {
	if amount <= 0 || bps <= 0 {
		return 0
	}
	return int64(mulDivHalfUp(uint64(amount), uint64(bps), 10000))
}

// Reversal is what a refund reverses of commission c on payment amount a:
// round_half_up(c × refundedSoFar / a) − reversedSoFar, where
// refundedSoFar includes this refund. Partial refunds never drift, and the
// refund that completes a full refund brings the reversals to exactly c.
func Reversal(c, a, refundedSoFar, reversedSoFar int64) int64 {
	if c <= 0 || a <= 0 || refundedSoFar <= 0 {
		return 0
	}
	if refundedSoFar > a {
		refundedSoFar = a
	}
	return int64(mulDivHalfUp(uint64(c), uint64(refundedSoFar), uint64(a))) - reversedSoFar
}
