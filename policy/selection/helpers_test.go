package selection

import (
	"errors"
	"testing"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// latestCase is one row of the Latest tables. An empty want means a
// *NoMatchError is expected.
type latestCase struct {
	sel    v1alpha1.TagSelection
	filter *v1alpha1.TagFilter
	tags   []string
	want   string
}

func semverSel(rng string) v1alpha1.TagSelection {
	return v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: rng}}
}

func alphaSel(o v1alpha1.Order) v1alpha1.TagSelection {
	return v1alpha1.TagSelection{Alphabetical: &v1alpha1.OrderSelection{Order: o}}
}

func numSel(o v1alpha1.Order) v1alpha1.TagSelection {
	return v1alpha1.TagSelection{Numerical: &v1alpha1.OrderSelection{Order: o}}
}

func tagSel(name string) v1alpha1.TagSelection {
	return v1alpha1.TagSelection{Tag: &v1alpha1.TagNameSelection{Name: name}}
}

// tf builds a TagFilter: pattern, extract, then exclude expressions.
func tf(pattern, extract string, exclude ...string) *v1alpha1.TagFilter {
	return &v1alpha1.TagFilter{Pattern: pattern, Extract: extract, Exclude: exclude}
}

func runLatest(t *testing.T, tests map[string]latestCase) {
	t.Helper()
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, err := New(tc.sel, tc.filter)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			got, err := s.Latest(tc.tags)
			if tc.want == "" {
				var nm *NoMatchError
				if !errors.As(err, &nm) {
					t.Fatalf("Latest(%q) = %q, %v; want a *NoMatchError", tc.tags, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Latest(%q) = %q, %v; want %q", tc.tags, got, err, tc.want)
			}
		})
	}
}
