package writeback

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTruncate(t *testing.T) {
	tests := map[string]struct {
		in   string
		max  int
		want string
	}{
		"short":         {"abc", 10, "abc"},
		"exact":         {"0123456789", 10, "0123456789"},
		"cut":           {strings.Repeat("x", 20), 12, "xxx" + cutMark},
		"on a boundary": {"ééééééééé", 13, "éé" + cutMark},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := truncate(tc.in, tc.max)
			if got != tc.want || len(got) > tc.max || !utf8.ValidString(got) {
				t.Errorf("truncate(%q, %d) = %q; want %q", tc.in, tc.max, got, tc.want)
			}
		})
	}
}
