package validate

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestExternalID(t *testing.T) {
	tests := []struct {
		id   string
		want error
	}{
		{"cus_1", nil},
		{"msg_p5jXN8AQM9LWM0D4loKWxJek", nil},
		{"in_1.2:3-4_5/6~!", nil},
		{strings.Repeat("a", 255), nil},
		{"", ErrID},
		{strings.Repeat("a", 256), ErrID},
		{"a#b", ErrID},
		{"#", ErrID},
		{"   ", ErrID},
		{"a b", ErrID},
		{"a\tb", ErrID},
		{"a\x7f", ErrID},
		{"café", ErrID},
		{"cus\u200b1", ErrID},
	}
	for _, tt := range tests {
		if got := ExternalID(tt.id); got != tt.want {
			t.Errorf("ExternalID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestRecentTime(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 16, 0, 0, time.UTC)
	tests := []struct {
		name string
		t    time.Time
		want error
	}{
		{"now", now, nil},
		{"a day ahead", now.Add(24 * time.Hour), nil},
		{"ten years back", time.Date(2016, 11, 24, 10, 16, 0, 0, time.UTC), nil},
		{"a day and a second ahead", now.Add(24*time.Hour + time.Second), ErrTime},
		{"ten years and a second back", time.Date(2016, 11, 24, 10, 15, 59, 0, time.UTC), ErrTime},
		{"year 1", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), ErrTime},
		{"year 9999", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), ErrTime},
	}
	for _, tt := range tests {
		if got := RecentTime(tt.t, now); got != tt.want {
			t.Errorf("%s: RecentTime(%v) = %v, want %v", tt.name, tt.t, got, tt.want)
		}
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		name       string
		s          string
		max        int
		lineBreaks bool
		want       error
	}{
		{"plain", "Jane Doe", 100, false, nil},
		{"accents and emoji", "Zoë 🎉", 100, false, nil},
		{"100 characters of 2 bytes", strings.Repeat("é", 100), 100, false, nil},
		{"101 characters", strings.Repeat("é", 101), 100, false, ErrTooLong},
		{"line break in a name", "Jane\nDoe", 100, false, ErrControl},
		{"line break in a message", "Hi\nthere", 500, true, nil},
		{"carriage return", "Hi\rthere", 500, true, ErrControl},
		{"tab", "Hi\tthere", 500, true, ErrControl},
		{"escape", "hi\x1b[31m", 500, true, ErrControl},
		{"C1 control", "hi\u0085", 500, true, ErrControl},
		{"line separator", "Jane\u2028Doe", 100, false, ErrControl},
		{"right-to-left override", "Jane \u202emoc.elgoog", 100, false, ErrFormat},
		{"right-to-left isolate", "\u2067x\u2069", 100, false, ErrFormat},
		{"zero-width space", "Ja\u200bne", 100, false, ErrFormat},
		{"zero-width joiner", "Ja\u200dne", 500, true, ErrFormat},
		{"byte-order mark", "\ufeffJane", 100, false, ErrFormat},
		{"soft hyphen", "Ja\u00adne", 100, false, ErrFormat},
	}
	for _, tt := range tests {
		if got := Text(tt.s, tt.max, tt.lineBreaks); !errors.Is(got, tt.want) {
			t.Errorf("%s: Text(%q) = %v, want %v", tt.name, tt.s, got, tt.want)
		}
	}
}
