package ledger

import (
	"math/rand/v2"
	"testing"
	"testing/quick"
	"time"
)

// The contract's reference vectors (section 8), at 2500 bps. Amounts are
// already in each currency's minor unit, so rounding to it is the same
// integer rule for every currency: the JPY and KWD rows check exactly that.
func TestCommissionVectors(t *testing.T) {
	tests := []struct {
		currency string
		amount   int64
		want     int64
	}{
		{"USD", 9900, 2475}, {"USD", 9999, 2500}, {"USD", 1, 0}, {"USD", 2, 1},
		{"JPY", 1000, 250}, {"KWD", 12345, 3086}, {"USD", MaxAmount, MaxAmount / 4},
	}
	for _, tt := range tests {
		if _, ok := Exponent(tt.currency); !ok {
			t.Fatalf("%s unknown", tt.currency)
		}
		if got := Commission(tt.amount, 2500); got != tt.want {
			t.Errorf("Commission(%s %d) = %d, want %d", tt.currency, tt.amount, got, tt.want)
		}
	}
}

func TestCurrency(t *testing.T) {
	for in, want := range map[string]string{"usd": "USD", " Jpy ": "JPY", "KWD": "KWD"} {
		if got, err := Currency(in); err != nil || got != want {
			t.Errorf("Currency(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	// Only ASCII letters fold: strings.ToUpper maps "ſ" (long s) to "S"
	// and "ı" (dotless i) to "I", and the Kelvin sign is not a K.
	for _, bad := range []string{"", "US", "USDD", "XYZ", "123", "U$D", "uſd", "UſD", "ıls", "\u212aWD", "ＵＳＤ"} {
		if _, err := Currency(bad); err == nil {
			t.Errorf("Currency(%q) accepted", bad)
		}
	}
	if e, _ := Exponent("JPY"); e != 0 {
		t.Errorf("JPY exponent %d, want 0", e)
	}
	if e, _ := Exponent("KWD"); e != 3 {
		t.Errorf("KWD exponent %d, want 3", e)
	}
	if e, _ := Exponent("EUR"); e != 2 {
		t.Errorf("EUR exponent %d, want 2", e)
	}
}

func TestPeriod(t *testing.T) {
	p, err := ParsePeriod("2026-12")
	if err != nil || p.String() != "2026-12" || p.Next().String() != "2027-01" || p.Prev().String() != "2026-11" {
		t.Errorf("ParsePeriod(2026-12) = %v, %v (next %v, prev %v)", p, err, p.Next(), p.Prev())
	}
	if !p.End().Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("End = %v", p.End())
	}
	for _, bad := range []string{"2026-13", "2026-00", "26-10", "2026-1", "2026/10", "", "1999-12", "2026-10x"} {
		if _, err := ParsePeriod(bad); err == nil {
			t.Errorf("ParsePeriod(%q) accepted", bad)
		}
	}
	created := time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		at   time.Time
		want int
	}{
		{created, 0}, {time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC), 0},
		{time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC), 2}, {time.Date(2027, 1, 31, 11, 0, 0, 0, time.UTC), 11},
	} {
		if got := MonthsBetween(created, tt.at); got != tt.want {
			t.Errorf("MonthsBetween(%v, %v) = %d, want %d", created, tt.at, got, tt.want)
		}
	}
}

// refundSequence is a random payment and the refunds against it.
type refundSequence struct {
	Currency string
	Amount   int64
	BPS      int
	Refunds  []int64 // add up to at most Amount
}

var currencies = []string{"USD", "JPY", "KWD", "EUR", "CLF", "BHD"}

func (refundSequence) Generate(r *rand.Rand, _ int) refundSequence {
	s := refundSequence{Currency: currencies[r.IntN(len(currencies))], BPS: 1 + r.IntN(10000)}
	switch r.IntN(3) {
	case 0:
		s.Amount = 1 + r.Int64N(100)
	case 1:
		s.Amount = 1 + r.Int64N(1e6)
	default:
		s.Amount = 1 + r.Int64N(MaxAmount)
	}
	left := s.Amount
	for left > 0 && r.IntN(5) > 0 {
		a := 1 + r.Int64N(left)
		if r.IntN(3) == 0 {
			a = left // a full (remaining) refund
		}
		s.Refunds = append(s.Refunds, a)
		left -= a
	}
	return s
}

// reverse applies the refunds of s and returns the commission and the
// reversal of each refund.
func (s refundSequence) reverse() (int64, []int64) {
	c := Commission(s.Amount, s.BPS)
	var refunded, reversed int64
	out := make([]int64, 0, len(s.Refunds))
	for _, r := range s.Refunds {
		refunded += r
		rev := Reversal(c, s.Amount, refunded, reversed)
		reversed += rev
		out = append(out, rev)
	}
	return c, out
}

// quickCheck runs a property over many random sequences.
func quickCheck(t *testing.T, prop func(refundSequence) bool) {
	t.Helper()
	src := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		s := refundSequence{}.Generate(src, 0)
		if !prop(s) {
			t.Fatalf("property failed for %+v", s)
		}
	}
	// testing/quick explores with its own generator too.
	if err := quick.Check(func(amount int64, bps uint16, cut uint64) bool {
		a := 1 + abs(amount)%int64(MaxAmount)
		s := refundSequence{Currency: "USD", Amount: a, BPS: int(bps%10000) + 1}
		first := 1 + int64(cut%uint64(a))
		s.Refunds = []int64{first}
		if first < a {
			s.Refunds = append(s.Refunds, a-first)
		}
		return prop(s)
	}, &quick.Config{MaxCount: 5000}); err != nil {
		t.Fatal(err)
	}
}

func abs(v int64) int64 {
	if v < 0 {
		if v == -v { // MinInt64
			return 0
		}
		return -v
	}
	return v
}

func TestRefundProperties(t *testing.T) {
	t.Run("never drift: reversals so far equal the rounded share refunded", func(t *testing.T) {
		quickCheck(t, func(s refundSequence) bool {
			c, revs := s.reverse()
			var refunded, reversed int64
			for i, r := range s.Refunds {
				refunded += r
				reversed += revs[i]
				want := (c*refunded*2 + s.Amount) / (2 * s.Amount) // exact when it fits
				if c < 1<<20 && refunded < 1<<20 && reversed != want {
					return false
				}
				if revs[i] < 0 || reversed > c {
					return false
				}
			}
			return true
		})
	})
	t.Run("a full refund nets exactly zero", func(t *testing.T) {
		quickCheck(t, func(s refundSequence) bool {
			var refunded int64
			for _, r := range s.Refunds {
				refunded += r
			}
			c, revs := s.reverse()
			var reversed int64
			for _, r := range revs {
				reversed += r
			}
			if refunded == s.Amount {
				return c-reversed == 0
			}
			return c-reversed >= 0
		})
	})
}

func TestTotals(t *testing.T) {
	var tot Totals
	for _, a := range []int64{2475, 2500, -1237, -1238} {
		tot.Add(Line{Amount: a})
	}
	tot.CarriedIn = -300
	if tot.Earned != 4975 || tot.Reversed != 2475 || tot.Total() != 2200 || tot.Lines != 4 {
		t.Errorf("totals %+v total %d", tot, tot.Total())
	}
	if tot.Status(0) != StatusPayable || tot.Status(2201) != StatusCarriedForward {
		t.Error("status by MIN_PAYOUT wrong")
	}
	if (Totals{Earned: 1, Reversed: 1}).Status(0) != StatusCarriedForward {
		t.Error("a zero total must be carried forward")
	}
}
