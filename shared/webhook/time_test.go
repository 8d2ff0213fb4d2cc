package webhook

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	want := time.Date(2026, 11, 24, 1, 0, 0, 250e6, time.UTC)
	for _, s := range []string{"2026-11-24T01:00:00.25Z", "2026-11-24t01:00:00.250z", "2026-11-24T02:00:00.25+01:00"} {
		if got, ok := ParseTime(s); !ok || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "2026-02-30T00:00:00Z", "2026-11-24 01:00:00Z", "2026-11-24T01:00:00", "yesterday"} {
		if _, ok := ParseTime(s); ok {
			t.Errorf("ParseTime(%q) accepted", s)
		}
	}
}
