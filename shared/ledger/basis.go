package ledger

import (
	"fmt"
	"strings"
)

// Basis records what produced a commission: the settings version and
// every input, so a line can say "25% of 99.00 USD, plan pro, rule v3".
type Basis struct {
	Version int    `json:"version"`
	Plan    string `json:"plan,omitempty"`
	BPS     int    `json:"bps"`
	Base    int64  `json:"base"`
	Bounty  int64  `json:"bounty,omitempty"`
	Capped  bool   `json:"capped,omitempty"`
	// Of is, on a second-tier override, the recruited partner whose
	// commission (Base) it is a share of.
	Of string `json:"of,omitempty"`
}

// Describe words a basis for people: "25% of 99.00 USD, plan pro, rule
// v3".
func (b Basis) Describe(currency string) string {
	var parts []string
	if b.Of != "" {
		parts = append(parts, fmt.Sprintf("%s of %s commission of partner %s", percent(b.BPS), Money(b.Base, currency), b.Of))
	} else {
		parts = append(parts, fmt.Sprintf("%s of %s", percent(b.BPS), Money(b.Base, currency)))
	}
	if b.Plan != "" {
		parts = append(parts, "plan "+b.Plan)
	}
	if b.Bounty > 0 {
		parts = append(parts, "bounty "+Money(b.Bounty, currency))
	}
	if b.Capped {
		parts = append(parts, "capped")
	}
	parts = append(parts, fmt.Sprintf("rule v%d", b.Version))
	return strings.Join(parts, ", ")
}

func percent(bps int) string {
	s := fmt.Sprintf("%d.%02d", bps/100, bps%100)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "%"
}

// Money formats minor units in a currency's major unit: 9900 USD is
// "99.00 USD", 1000 JPY "1000 JPY".
func Money(minor int64, currency string) string {
	e, ok := Exponent(currency)
	if !ok || e == 0 {
		return fmt.Sprintf("%d %s", minor, currency)
	}
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	div := int64(1)
	for range e {
		div *= 10
	}
	return fmt.Sprintf("%s%d.%0*d %s", sign, minor/div, e, minor%div, currency)
}
