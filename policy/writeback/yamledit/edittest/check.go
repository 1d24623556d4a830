// Package edittest checks, in tests and fuzzers of the write-back editors,
// that an edit kept every line it did not mean to change.
package edittest

import (
	"regexp"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// breaks are YAML's line breaks, as package yamledit counts lines.
var breaks = regexp.MustCompile("\r\n|\n|\r|\u0085|\u2028|\u2029")

// Check fails t unless out parses as YAML and holds every line of src that
// is not in touched (1-based), unchanged and in order.
func Check(t testing.TB, src, out []byte, touched []int) {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(out, &v); err != nil {
		t.Fatalf("the output does not parse: %v\nsrc: %q\nout: %q", err, src, out)
	}
	skip := map[int]bool{}
	for _, l := range touched {
		skip[l] = true
	}
	outLines := breaks.Split(string(out), -1)
	j := 0
	for i, line := range breaks.Split(string(src), -1) {
		if skip[i+1] {
			continue
		}
		for j < len(outLines) && outLines[j] != line {
			j++
		}
		if j == len(outLines) {
			t.Fatalf("line %d %q is not in the output, unchanged and in order (changed lines %v)\nsrc: %q\nout: %q", i+1, line, touched, src, out)
		}
		j++
	}
}
