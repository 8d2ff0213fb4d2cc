package webhook

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	want := time.Date(2026, 11, 24, 1, 0, 0, 250e6, time.UTC)
	for _, s := range []string{
		"2026-11-24T01:00:00.25Z", "2026-11-24t01:00:00.250z", "2026-11-24T02:00:00.25+01:00",
		"2026-11-24T00:00:00.25-01:00", "2026-11-25T00:59:00.25+23:59", "2026-11-23T01:01:00.25-23:59",
		"2026-11-24T01:00:00.250000000000Z", "2026-11-24T01:00:00.25-00:00",
	} {
		if got, ok := ParseTime(s); !ok || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{
		"", "2026-02-30T00:00:00Z", "2026-11-24 01:00:00Z", "2026-11-24T01:00:00", "yesterday",
		// RFC 3339 offsets are 00:00 to 23:59; Go's parser takes hour 24
		// and minutes up to 99.
		"2026-11-24T01:00:00+24:00", "2026-11-24T01:00:00-24:00", "2026-11-24T01:00:00+23:60",
		"2026-11-24T01:00:00+99:99", "2026-11-24T01:00:00+0100", "2026-11-24T01:00:00+01",
		// A fraction is "." and at least one digit; Go also takes ",".
		"2026-11-24T01:00:00,25Z", "2026-11-24T01:00:00.Z",
		"2026-11-24T01:00:00Zz", "2026-11-24T01:00:00ẓ", "2026-11-24ſ01:00:00Z",
	} {
		if got, ok := ParseTime(s); ok {
			t.Errorf("ParseTime(%q) = %v, accepted; want refused", s, got)
		}
	}
}
