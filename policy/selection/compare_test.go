package selection

import (
	"errors"
	"testing"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

func TestCompare(t *testing.T) {
	tests := map[string]struct {
		sel     v1alpha1.TagSelection
		filter  *v1alpha1.TagFilter
		a, b    string
		want    int
		wantErr error
	}{
		"semver older":                   {sel: semverSel(">=1.0.0"), a: "1.2.3", b: "1.10.0", want: -1},
		"semver newer":                   {sel: semverSel(">=1.0.0"), a: "v2.0.0", b: "1.99.99", want: 1},
		"semver v prefix equal":          {sel: semverSel(">=1.0.0"), a: "v1.2.3", b: "1.2.3", want: 0},
		"semver build metadata equal":    {sel: semverSel(">=1.0.0"), a: "1.2.3+b.1", b: "1.2.3+b.2", want: 0},
		"semver pre-release older":       {sel: semverSel(">=1.0.0"), a: "1.2.3-rc.1", b: "1.2.3", want: -1},
		"semver ignores the range":       {sel: semverSel("<1.0.0"), a: "5.0.0", b: "0.9.0", want: 1},
		"semver unreadable a":            {sel: semverSel(">=1.0.0"), a: "latest", b: "1.0.0", wantErr: ErrUnreadable},
		"semver unreadable b":            {sel: semverSel(">=1.0.0"), a: "1.0.0", b: "1.0", wantErr: ErrUnreadable},
		"numerical asc":                  {sel: numSel(v1alpha1.OrderAsc), a: "100", b: "99", want: 1},
		"numerical desc: smaller newer":  {sel: numSel(v1alpha1.OrderDesc), a: "100", b: "99", want: -1},
		"numerical equal values":         {sel: numSel(""), a: "1.50", b: "01.5", want: 0},
		"numerical unreadable":           {sel: numSel(""), a: "1e3", b: "1", wantErr: ErrUnreadable},
		"alphabetical asc":               {sel: alphaSel(""), a: "2024-01-05", b: "2024-01-10", want: -1},
		"alphabetical desc":              {sel: alphaSel(v1alpha1.OrderDesc), a: "2024-01-05", b: "2024-01-10", want: 1},
		"alphabetical equal":             {sel: alphaSel(""), a: "x", b: "x", want: 0},
		"tag equal names":                {sel: tagSel("latest"), a: "latest", b: "latest", want: 0},
		"tag other name":                 {sel: tagSel("latest"), a: "latest", b: "stable", wantErr: ErrUnreadable},
		"extracted values compared":      {sel: numSel(""), filter: tf(`^main-[a-f0-9]+-(?P<ts>\d+)$`, "$ts"), a: "main-ff-900", b: "main-aa-1000", want: -1},
		"extracted values equal":         {sel: numSel(""), filter: tf(`^main-[a-f0-9]+-(?P<ts>\d+)$`, "$ts"), a: "main-ff-1000", b: "main-aa-1000", want: 0},
		"a does not match pattern":       {sel: numSel(""), filter: tf(`^main-(\d+)$`, "$1"), a: "dev-1", b: "main-2", wantErr: ErrFilteredOut},
		"b excluded":                     {sel: semverSel("*"), filter: tf("", "", `\.sig$`), a: "1.0.0", b: "1.0.0.sig", wantErr: ErrFilteredOut},
		"filtered out before unreadable": {sel: semverSel("*"), filter: tf(`^v`, ""), a: "latest", b: "v1.0.0", wantErr: ErrFilteredOut},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, err := New(tc.sel, tc.filter)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			got, err := s.Compare(tc.a, tc.b)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Compare(%q, %q) = %d, %v; want error %v", tc.a, tc.b, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || sgn(got) != tc.want {
				t.Fatalf("Compare(%q, %q) = %d, %v; want sign %d", tc.a, tc.b, got, err, tc.want)
			}
			if back, _ := s.Compare(tc.b, tc.a); sgn(back) != -tc.want {
				t.Errorf("Compare(%q, %q) = %d, not the opposite of %d", tc.b, tc.a, back, got)
			}
		})
	}
}

func sgn(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestParseNumber(t *testing.T) {
	tests := map[string]struct {
		in   string
		want number
		ok   bool
	}{
		"integer":             {in: "42", want: number{int: "42"}, ok: true},
		"leading zeros":       {in: "0042", want: number{int: "42"}, ok: true},
		"zero":                {in: "000", want: number{}, ok: true},
		"negative zero":       {in: "-0.0", want: number{}, ok: true},
		"negative fraction":   {in: "-3.140", want: number{neg: true, int: "3", frac: "14"}, ok: true},
		"fraction below one":  {in: "0.05", want: number{frac: "05"}, ok: true},
		"empty":               {in: ""},
		"minus alone":         {in: "-"},
		"two dots":            {in: "1.2.3"},
		"trailing dot":        {in: "1."},
		"leading dot":         {in: ".1"},
		"plus sign":           {in: "+1"},
		"exponent":            {in: "1e5"},
		"unicode digit":       {in: "١٢"},
		"double minus":        {in: "--1"},
		"minus after digits":  {in: "1-"},
		"space":               {in: "1 "},
		"hex":                 {in: "0x1f"},
		"minus before a dot":  {in: "-.5"},
		"digits after a sign": {in: "-12.5", want: number{neg: true, int: "12", frac: "5"}, ok: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := parseNumber(tc.in)
			if ok != tc.ok || got != tc.want {
				t.Fatalf("parseNumber(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}
