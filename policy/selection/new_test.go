package selection

import (
	"strings"
	"testing"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

func TestNewRejects(t *testing.T) {
	tests := map[string]struct {
		sel     v1alpha1.TagSelection
		filter  *v1alpha1.TagFilter
		wantErr string
	}{
		"no strategy": {sel: v1alpha1.TagSelection{}, wantErr: "exactly one"},
		"two strategies": {
			sel:     v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: "*"}, Tag: &v1alpha1.TagNameSelection{Name: "x"}},
			wantErr: "not 2",
		},
		"bad range":               {sel: semverSel(">=banana"), wantErr: "select.semver.range"},
		"empty range":             {sel: semverSel(""), wantErr: "select.semver.range"},
		"unknown order":           {sel: numSel("newest"), wantErr: `order "newest"`},
		"unknown alpha order":     {sel: alphaSel("ASC"), wantErr: "select.alphabetical"},
		"empty tag name":          {sel: tagSel(""), wantErr: "select.tag.name"},
		"bad pattern":             {sel: numSel(""), filter: tf(`(`, ""), wantErr: "filterTags.pattern"},
		"bad exclude":             {sel: numSel(""), filter: tf("", "", `\.sig$`, `[`), wantErr: "filterTags.exclude[1]"},
		"extract without pattern": {sel: numSel(""), filter: tf("", "$1"), wantErr: "needs filterTags.pattern"},
		"extract names no group":  {sel: numSel(""), filter: tf(`^(\d+)$`, "v"), wantErr: "must name a capture group"},
		"extract only dollars":    {sel: numSel(""), filter: tf(`^(\d+)$`, "$$"), wantErr: "must name a capture group"},
		"extract unknown name":    {sel: numSel(""), filter: tf(`^(?P<ts>\d+)$`, "$tss"), wantErr: `names group "tss"`},
		"extract unknown number":  {sel: numSel(""), filter: tf(`^(\d+)$`, "$2"), wantErr: `names group "2"`},
		"extract leading zero":    {sel: numSel(""), filter: tf(`^(\d+)$`, "$01"), wantErr: `names group "01"`},
		"extract checked for tag": {sel: tagSel("latest"), filter: tf(`^(\d+)$`, "$ver"), wantErr: "filterTags.extract"},
		"extract glued name": {
			sel: numSel(""), filter: tf(`^(?P<ts>\d+)-x$`, "$ts_1"), wantErr: `names group "ts_1"`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, err := New(tc.sel, tc.filter)
			if err == nil {
				t.Fatalf("New = %v, nil; want an error containing %q", s, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("New error %q does not contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestNewAccepts(t *testing.T) {
	tests := map[string]struct {
		sel    v1alpha1.TagSelection
		filter *v1alpha1.TagFilter
	}{
		"no filter":               {sel: semverSel(">=1.0.0")},
		"empty filter":            {sel: semverSel(">=1.0.0"), filter: &v1alpha1.TagFilter{}},
		"extract whole match":     {sel: alphaSel(""), filter: tf(`^\d+$`, "$0")},
		"extract braces and text": {sel: alphaSel(""), filter: tf(`^(?P<a>\d+)-(?P<b>\d+)$`, "${a}.${b}$$")},
		"extract unicode name":    {sel: alphaSel(""), filter: tf(`^(?P<zeit>\d+)$`, "$zeit")},
		"desc order":              {sel: numSel(v1alpha1.OrderDesc)},
		"v in the range":          {sel: semverSel(">=v1.0.0")},
		"tag with pattern":        {sel: tagSel("latest"), filter: tf(`^l`, "")},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := New(tc.sel, tc.filter); err != nil {
				t.Fatalf("New: %v", err)
			}
		})
	}
}
