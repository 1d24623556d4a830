package selection

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// FuzzLatest feeds arbitrary tag lists, ranges and filters. Whatever New
// accepts, Latest must not panic, must return one of the tags or a
// *NoMatchError, must not depend on the order of the tags, and its winner
// must not be older under Compare than any other tag Latest allows.
func FuzzLatest(f *testing.F) {
	f.Add("1.0.0\nv1.2.3\n1.2.3+b\nlatest\n2.0.0-rc.1", ">=1.0.0", "", "", "", uint8(0))
	f.Add("main-ab-100\nmain-cd-99\nmain-cd-99.sig", "", `^main-[a-f0-9]+-(?P<ts>\d+)`, "$ts", `\.sig$`, uint8(2))
	f.Add("10\n9\n010\n-0\n0\n1.50\n1.5", "", "", "", "", uint8(3))
	f.Add("2024-01-05\n2024-01-10\n\n", "", `^(\d+)-(\d+)`, "${2}$1", "", uint8(4))
	f.Add("latest\nstable", "", "", "", "^s", uint8(6))
	f.Add("", "^1.0.0-0 || <0.1", "(", "$", "[", uint8(1))
	f.Fuzz(func(t *testing.T, list, rng, pattern, extract, exclude string, kind uint8) {
		if len(list) > 4096 || len(pattern) > 256 || len(exclude) > 256 {
			t.Skip()
		}
		tags := strings.Split(list, "\n")
		s, err := New(fuzzSelection(kind, rng), fuzzFilter(pattern, extract, exclude))
		if err != nil {
			return
		}
		got, err := s.Latest(tags)
		var nm *NoMatchError
		switch {
		case err != nil && !errors.As(err, &nm):
			t.Fatalf("Latest error %v is not a *NoMatchError", err)
		case err != nil:
			_ = nm.Error()
			return
		case !slices.Contains(tags, got):
			t.Fatalf("Latest = %q, not one of the tags", got)
		}
		reversed := slices.Clone(tags)
		slices.Reverse(reversed)
		if again, _ := s.Latest(reversed); again != got {
			t.Fatalf("Latest of reversed tags = %q, want %q", again, got)
		}
		for _, tag := range tags {
			if one, err := s.Latest([]string{tag}); err != nil || one != tag {
				continue // not allowed on its own
			}
			if c, err := s.Compare(got, tag); err != nil || c < 0 {
				t.Fatalf("Compare(winner %q, allowed %q) = %d, %v", got, tag, c, err)
			}
		}
	})
}

func fuzzSelection(kind uint8, rng string) v1alpha1.TagSelection {
	order := []v1alpha1.Order{"", v1alpha1.OrderAsc, v1alpha1.OrderDesc}[int(kind/4)%3]
	switch kind % 4 {
	case 0:
		return semverSel(rng)
	case 1:
		return tagSel(rng)
	case 2:
		return numSel(order)
	default:
		return alphaSel(order)
	}
}

func fuzzFilter(pattern, extract, exclude string) *v1alpha1.TagFilter {
	var ex []string
	if exclude != "" {
		ex = strings.Split(exclude, "\n")
	}
	return &v1alpha1.TagFilter{Pattern: pattern, Extract: extract, Exclude: ex}
}
