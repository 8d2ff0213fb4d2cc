// Package numbers is what a partner's promo links did (issue: links and
// clean clicks): clicks, unique clicks, signups, paying customers and
// earnings per currency, by link, sub-id and UTC day, and what is derived
// from them: totals over a range, conversion rates and the top sub-ids.
// It is pure: the store keeps one counter per link and day as events are
// written and hands them back by date.
package numbers

import (
	"cmp"
	"slices"
)

// Numbers are one link's (or sub-id's, or the program's) numbers on one
// day or over a range. Customers are those whose first payment fell in
// it, so they add up over days; Earned is commission per currency, in
// minor units.
type Numbers struct {
	Clicks    int64
	Unique    int64
	Signups   int64
	Customers int64
	Earned    map[string]int64
}

// Add adds o to n.
func (n *Numbers) Add(o Numbers) {
	n.Clicks += o.Clicks
	n.Unique += o.Unique
	n.Signups += o.Signups
	n.Customers += o.Customers
	for c, v := range o.Earned {
		if n.Earned == nil {
			n.Earned = map[string]int64{}
		}
		n.Earned[c] += v
	}
}

// Sum returns the total of days.
func Sum(days map[string]Numbers) Numbers {
	var t Numbers
	for _, d := range days {
		t.Add(d)
	}
	return t
}

// Rate is part/whole rounded to four decimals (0.1234 is 12.34%), or nil
// when whole is zero: no clicks is no rate, not a rate of zero.
func Rate(part, whole int64) *float64 {
	if whole <= 0 {
		return nil
	}
	r := float64(part*10000/whole) / 10000
	if part*10000%whole*2 >= whole {
		r = float64(part*10000/whole+1) / 10000
	}
	return &r
}

// SignupRate is signups per unique click.
func (n Numbers) SignupRate() *float64 { return Rate(n.Signups, n.Unique) }

// CustomerRate is paying customers per signup.
func (n Numbers) CustomerRate() *float64 { return Rate(n.Customers, n.Signups) }

// Ranked is a name (a sub-id, a partner) with its numbers.
type Ranked struct {
	Name string
	Numbers
}

// Top returns at most k of byName, most signups first, then most paying
// customers, then by name, leaving out those with neither.
func Top(byName map[string]Numbers, k int) []Ranked {
	out := make([]Ranked, 0, len(byName))
	for name, n := range byName {
		if n.Signups == 0 && n.Customers == 0 && n.Clicks == 0 {
			continue
		}
		out = append(out, Ranked{Name: name, Numbers: n})
	}
	slices.SortFunc(out, func(a, b Ranked) int {
		return cmp.Or(cmp.Compare(b.Signups, a.Signups), cmp.Compare(b.Customers, a.Customers),
			cmp.Compare(b.Clicks, a.Clicks), cmp.Compare(a.Name, b.Name))
	})
	return out[:min(k, len(out))]
}
