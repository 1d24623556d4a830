package schedule

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	from := time.Date(2026, 11, 22, 10, 7, 30, 0, time.UTC)
	tests := map[string]struct {
		expr    string
		next    time.Time
		wantErr bool
	}{
		"empty is the default":  {expr: "", next: from.Add(5 * time.Minute)},
		"every five minutes":    {expr: "*/5 * * * *", next: time.Date(2026, 11, 22, 10, 10, 0, 0, time.UTC)},
		"every descriptor":      {expr: "@every 2m", next: from.Add(2 * time.Minute)},
		"hourly":                {expr: "@hourly", next: time.Date(2026, 11, 22, 11, 0, 0, 0, time.UTC)},
		"six fields rejected":   {expr: "0 */5 * * * *", wantErr: true},
		"garbage rejected":      {expr: "every five minutes", wantErr: true},
		"out of range rejected": {expr: "61 * * * *", wantErr: true},
		"bad duration rejected": {expr: "@every soon", wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, err := Parse(tc.expr)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("Parse(%q) = nil error, want one", tc.expr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.expr, err)
			}
			if got := s.Next(from); !got.Equal(tc.next) {
				t.Errorf("Next(%v) = %v, want %v", from, got, tc.next)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"*/5 * * * *", "@every 2m", "@hourly", "1-5/2 0 * * MON-FRI", "CRON_TZ=UTC 0 0 * * *"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := Parse(expr)
		if err == nil && s == nil {
			t.Fatalf("Parse(%q) returned neither schedule nor error", expr)
		}
	})
}
