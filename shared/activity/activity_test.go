package activity

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

var now = time.Date(2026, 12, 3, 15, 4, 5, 0, time.UTC)

func day(s string) Day {
	d, err := time.Parse(DateFormat, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestParseRange(t *testing.T) {
	tests := []struct {
		name, from, to string
		want           Range
		wantErr        bool
	}{
		{"default: the last 30 days", "", "", Range{day("2026-11-04"), day("2026-12-03")}, false},
		{"one day", "2026-12-01", "2026-12-01", Range{day("2026-12-01"), day("2026-12-01")}, false},
		{"92 days", "2026-09-03", "2026-12-03", Range{day("2026-09-03"), day("2026-12-03")}, false},
		{"only from", "2026-10-01", "", Range{day("2026-10-01"), day("2026-10-30")}, false},
		{"only to", "", "2026-10-30", Range{day("2026-10-01"), day("2026-10-30")}, false},
		{"93 days", "2026-09-02", "2026-12-03", Range{}, true},
		{"from after to", "2026-12-03", "2026-12-02", Range{}, true},
		{"malformed from", "2026-12-3", "2026-12-03", Range{}, true},
		{"malformed to", "2026-12-01", "yesterday", Range{}, true},
		{"no such day", "2026-02-30", "2026-03-01", Range{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRange(tt.from, tt.to, now)
			if tt.wantErr != (err != nil) || (err != nil && !errors.Is(err, ErrRange)) {
				t.Fatalf("ParseRange(%q, %q) error = %v, want error %v", tt.from, tt.to, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseRange(%q, %q) = %v, want %v", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

func TestKeptAndExpired(t *testing.T) {
	tests := []struct {
		day  string
		want bool
	}{
		{"2026-12-04", true}, // tomorrow: a signup dated a little ahead
		{"2026-12-05", false},
		{"2026-12-03", true},
		{"2026-09-03", true}, // 91 days ago: the 92nd day kept
		{"2026-09-02", false},
	}
	for _, tt := range tests {
		if got := Kept(day(tt.day), now); got != tt.want {
			t.Errorf("Kept(%s) = %v, want %v", tt.day, got, tt.want)
		}
	}
	exp := Expired(now)
	if got, want := fmt.Sprintln(exp[0].Format(DateFormat), exp[len(exp)-1].Format(DateFormat), len(exp)), "2026-08-02 2026-09-01 31\n"; got != want {
		t.Errorf("Expired = %s, want %s (123 to 93 days ago)", got, want)
	}
	for _, d := range exp {
		if Kept(d, now) {
			t.Errorf("expired day %s is kept", d.Format(DateFormat))
		}
	}
}

func TestSeries(t *testing.T) {
	r := Range{day("2026-08-31"), day("2026-09-04")}
	byDate := map[string]Counts{
		"2026-08-31": {Clicks: 9},              // past retention: left behind on the item
		"2026-09-03": {Clicks: 4, Signups: 1},  // oldest day kept
		"2026-09-04": {Clicks: 2, Signups: -1}, // moved away by an override
	}
	got := fmt.Sprint(Series(r, byDate, now))
	want := "[{2026-08-31 {0 0}} {2026-09-01 {0 0}} {2026-09-02 {0 0}} {2026-09-03 {4 1}} {2026-09-04 {2 0}}]"
	if got != want {
		t.Errorf("Series = %s, want %s", got, want)
	}
}
