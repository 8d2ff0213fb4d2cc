package emailaddr

import "testing"

func TestHint(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"sam@example.com", "s***@example.com"},
		{"s@example.com", "s***@example.com"},
		{"élise@example.fr", "é***@example.fr"},
		{"no-at-sign", "***"},
		{"@example.com", "***"},
		{"", "***"},
	}
	for _, tt := range tests {
		if got := Hint(tt.addr); got != tt.want {
			t.Errorf("Hint(%q) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}
