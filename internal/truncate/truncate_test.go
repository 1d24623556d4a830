package truncate

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	tests := map[string]struct {
		in   string
		max  int
		want string
	}{
		"fits":                   {in: "short", max: 10, want: "short"},
		"exactly the max":        {in: "0123456789", max: 10, want: "0123456789"},
		"cut with marker":        {in: strings.Repeat("a", 100), max: 40, want: strings.Repeat("a", 19) + " … [100 bytes, cut]"},
		"no room for the marker": {in: strings.Repeat("a", 100), max: 5, want: "aaaaa"},
		"zero":                   {in: "abc", max: 0, want: ""},
		"multi-byte boundary":    {in: strings.Repeat("é", 10), max: 5, want: "éé"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := String(tc.in, tc.max); got != tc.want {
				t.Errorf("String(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
			}
		})
	}
}

// TestMessageBound feeds Message 40 KB bodies of one-, two-, three- and
// four-byte characters: every result fits in Limit, is valid UTF-8 and
// keeps the start of the text.
func TestMessageBound(t *testing.T) {
	for _, r := range []string{"x", "é", "€", "😀"} {
		in := strings.Repeat(r, 40000/len(r))
		got := Message(in)
		if len(got) > Limit || !utf8.ValidString(got) || !strings.HasPrefix(got, r+r+r) {
			t.Errorf("Message(40 KB of %q): %d bytes, valid UTF-8 %v, prefix %q", r, len(got), utf8.ValidString(got), got[:min(12, len(got))])
		}
		if !strings.Contains(got, "bytes, cut]") {
			t.Errorf("Message(40 KB of %q) does not say it was cut: …%q", r, got[max(0, len(got)-40):])
		}
	}
}

func FuzzString(f *testing.F) {
	f.Add("hello, world", 5)
	f.Add(strings.Repeat("😀", 300), 1024)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > 1<<16 {
			return
		}
		got := String(s, max)
		if len(got) > max {
			t.Fatalf("String(%d bytes, %d) = %d bytes", len(s), max, len(got))
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("String cut a character: %q", got)
		}
		if len(s) <= max && got != s {
			t.Fatalf("String changed a string that fits")
		}
	})
}
