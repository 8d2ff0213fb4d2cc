package numbers

import "testing"

func TestRate(t *testing.T) {
	tests := []struct {
		part, whole int64
		want        float64
		none        bool
	}{
		{1, 3, 0.3333, false},
		{2, 3, 0.6667, false},
		{1, 8, 0.125, false},
		{0, 5, 0, false},
		{5, 5, 1, false},
		{3, 0, 0, true},
	}
	for _, tt := range tests {
		got := Rate(tt.part, tt.whole)
		if tt.none != (got == nil) || (got != nil && *got != tt.want) {
			t.Errorf("Rate(%d, %d) = %v, want %v (none %v)", tt.part, tt.whole, got, tt.want, tt.none)
		}
	}
}

func TestTopAndSum(t *testing.T) {
	by := map[string]Numbers{
		"yt":    {Signups: 3, Customers: 1},
		"tw":    {Signups: 3, Customers: 2},
		"blog":  {Signups: 1, Earned: map[string]int64{"USD": 100}},
		"empty": {},
	}
	top := Top(by, 2)
	if len(top) != 2 || top[0].Name != "tw" || top[1].Name != "yt" {
		t.Errorf("Top = %+v, want tw then yt", top)
	}
	if all := Top(by, 10); len(all) != 3 {
		t.Errorf("Top kept %d, want 3 (the empty one left out)", len(all))
	}
	s := Sum(by)
	if s.Signups != 7 || s.Customers != 3 || s.Earned["USD"] != 100 {
		t.Errorf("Sum = %+v", s)
	}
}
