package selection

import (
	"regexp"
	"testing"
)

func TestCheckExtract(t *testing.T) {
	re := regexp.MustCompile(`^(?P<major>\d+)\.(\d+)-(?P<ts>\d+)$`)
	tests := map[string]struct {
		template string
		ok       bool
	}{
		"named":           {template: "$ts", ok: true},
		"braced":          {template: "${major}.x", ok: true},
		"numbered":        {template: "$2", ok: true},
		"several":         {template: "${major}${ts}", ok: true},
		"unknown name":    {template: "$build"},
		"index too big":   {template: "$4"},
		"whole match":     {template: "$0", ok: true},
		"literal only":    {template: "v1"},
		"escaped dollar":  {template: "$$ts"},
		"unclosed brace":  {template: "${ts"},
		"empty braces":    {template: "${}"},
		"trailing dollar": {template: "$ts$", ok: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := CheckExtract(re, tc.template)
			if (err == nil) != tc.ok {
				t.Errorf("CheckExtract(%q) = %v, want ok=%v", tc.template, err, tc.ok)
			}
		})
	}
}
