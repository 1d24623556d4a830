package selection

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

func TestNoMatchError(t *testing.T) {
	tests := map[string]struct {
		sel                      v1alpha1.TagSelection
		filter                   *v1alpha1.TagFilter
		tags                     []string
		listed, passed, readable int
		samples                  []string
		msg                      []string // substrings of Error()
	}{
		"semver nothing in range": {
			sel: semverSel(">=6.0.0 <7.0.0"), tags: []string{"latest", "5.0.0", "5.1.0", "7.0.0"},
			listed: 4, passed: 4, readable: 3, samples: []string{"5.0.0", "5.1.0", "7.0.0"},
			msg: []string{`semver range ">=6.0.0 <7.0.0"`, "4 tags listed", "3 readable as semver, none in range", `"5.1.0"`},
		},
		"filter stages": {
			sel: numSel(""), filter: tf(`^main-(?P<ts>\w+)$`, "$ts", `\.sig$`),
			tags:   []string{"main-1.sig", "main-abc", "dev-1", "main-xyz"},
			listed: 4, passed: 2, readable: 0, samples: []string{"main-abc", "main-xyz"},
			msg: []string{"numerical order asc", "pattern `^main-(?P<ts>\\w+)$`", "extract `$ts`", "1 exclude pattern)",
				"4 tags listed", "2 passed the filter", "0 readable as numbers"},
		},
		"nothing passed: samples of the listing": {
			sel: alphaSel(v1alpha1.OrderDesc), filter: tf(`^release-`, ""),
			tags:   []string{"a", "b", "c", "d", "e", "f", "g"},
			listed: 7, samples: []string{"a", "b", "c", "d", "e"},
			msg: []string{"alphabetical order desc", "7 tags listed", "0 passed the filter", `(for example "a", "b", "c", "d", "e")`},
		},
		"tag absent": {
			sel: tagSel("stable"), tags: []string{"latest"},
			listed: 1, passed: 1, samples: []string{"latest"},
			msg: []string{`tag "stable"`, "1 tag listed", `0 named "stable"`},
		},
		"empty list": {
			sel: semverSel("*"), tags: nil,
			msg: []string{`no tag matches semver range "*": 0 tags listed`},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, err := New(tc.sel, tc.filter)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			_, err = s.Latest(tc.tags)
			var nm *NoMatchError
			if !errors.As(fmt.Errorf("scan: %w", err), &nm) {
				t.Fatalf("Latest error %v is not a *NoMatchError", err)
			}
			if nm.Listed != tc.listed || nm.Passed != tc.passed || nm.Readable != tc.readable {
				t.Errorf("counts listed/passed/readable = %d/%d/%d, want %d/%d/%d",
					nm.Listed, nm.Passed, nm.Readable, tc.listed, tc.passed, tc.readable)
			}
			if strings.Join(nm.Samples, ",") != strings.Join(tc.samples, ",") {
				t.Errorf("Samples = %q, want %q", nm.Samples, tc.samples)
			}
			for _, m := range tc.msg {
				if !strings.Contains(nm.Error(), m) {
					t.Errorf("message %q does not contain %q", nm.Error(), m)
				}
			}
		})
	}
}
