package marker_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/imagepin/imagepin/policy/writeback/marker"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestRewriteGolden rewrites realistic files: a Helm values file with every
// marker variant, a kustomization, manifests and a CRLF file.
func TestRewriteGolden(t *testing.T) {
	tests := map[string]struct {
		changed int
		skipped []int // lines of skipped markers
	}{
		"values.yaml":        {changed: 12, skipped: []int{35, 53}},
		"kustomization.yaml": {changed: 5},
		"deployment.yaml":    {changed: 2, skipped: []int{14}},
		"crlf.yaml":          {changed: 1},
	}
	for file, tc := range tests {
		t.Run(file, func(t *testing.T) {
			src := readFile(t, filepath.Join("testdata", file))
			golden := filepath.Join("testdata", strings.TrimSuffix(file, ".yaml")+".golden.yaml")
			out, matches := marker.Rewrite(src, lookup)
			if *update {
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(string(readFile(t, golden)), string(out)); diff != "" {
				t.Errorf("Rewrite (-golden +got):\n%s", diff)
			}
			changed, skipped := summarize(matches)
			if changed != tc.changed || !cmp.Equal(skipped, tc.skipped) {
				t.Errorf("changed %d, skipped lines %v; want %d, %v\nmatches: %+v", changed, skipped, tc.changed, tc.skipped, matches)
			}
			assertOnlyMarkerLinesChanged(t, src, out, matches)
			again, matches := marker.Rewrite(out, lookup)
			if !bytes.Equal(again, out) {
				t.Errorf("a second Rewrite changed the file again:\n%s", cmp.Diff(string(out), string(again)))
			}
			if changed, _ := summarize(matches); changed != 0 {
				t.Errorf("a second Rewrite reports %d changes", changed)
			}
		})
	}
}

func TestRewriteLines(t *testing.T) {
	tests := map[string]struct {
		in, want string
		skipped  string
	}{
		"plain":               {`image: x:1 # {"$imagepin": "apps:app"}`, `image: ghcr.io/acme/app:1.4.2@` + digestA + ` # {"$imagepin": "apps:app"}`, ""},
		"double quotes":       {`tag: "1.0"   # {"$imagepin": "apps:app:tag"}`, `tag: "1.4.2"   # {"$imagepin": "apps:app:tag"}`, ""},
		"single quotes":       {`tag: '1.0' # {"$imagepin": "apps:app:tag"}`, `tag: '1.4.2' # {"$imagepin": "apps:app:tag"}`, ""},
		"tab before comment":  {"tag: 1.0\t# {\"$imagepin\": \"apps:app:tag\"}", "tag: 1.4.2\t# {\"$imagepin\": \"apps:app:tag\"}", ""},
		"sequence item":       {`  - x # {"$imagepin": "apps:app:name"}`, `  - ghcr.io/acme/app # {"$imagepin": "apps:app:name"}`, ""},
		"quoted key":          {`"tag": x # {"$imagepin": "apps:app:tag"}`, `"tag": 1.4.2 # {"$imagepin": "apps:app:tag"}`, ""},
		"number gets quotes":  {`tag: 1.9 # {"$imagepin": "apps:numeric:tag"}`, `tag: "1.10" # {"$imagepin": "apps:numeric:tag"}`, ""},
		"empty quoted value":  {`tag: "" # {"$imagepin": "apps:app:tag"}`, `tag: "1.4.2" # {"$imagepin": "apps:app:tag"}`, ""},
		"escaped old value":   {`tag: "1.4\x2e2" # {"$imagepin": "apps:app:tag"}`, `tag: "1.4\x2e2" # {"$imagepin": "apps:app:tag"}`, ""},
		"no newline at end":   {"a: 1\ntag: x # {\"$imagepin\": \"apps:app:tag\"}", "a: 1\ntag: 1.4.2 # {\"$imagepin\": \"apps:app:tag\"}", ""},
		"lone CR ends a line": {"tag:\r # {\"$imagepin\": \"apps:app:tag\"}", "tag:\r # {\"$imagepin\": \"apps:app:tag\"}", "has no value"},
		"lone CR, then value": {"a: 1\rtag: x # {\"$imagepin\": \"apps:app:tag\"}\r", "a: 1\rtag: 1.4.2 # {\"$imagepin\": \"apps:app:tag\"}\r", ""},
		"value on next line":  {`image: # {"$imagepin": "apps:app"}`, `image: # {"$imagepin": "apps:app"}`, "has no value"},
		"anchor":              {`image: &img x # {"$imagepin": "apps:app"}`, `image: &img x # {"$imagepin": "apps:app"}`, "no plain or quoted scalar"},
		"digest pin, tag":     {`tag: x # {"$imagepin": "apps:frozen:tag"}`, `tag: x # {"$imagepin": "apps:frozen:tag"}`, "pinned by digest"},
		"no space before #":   {`image: x#{"$imagepin": "apps:app"}`, `image: x#{"$imagepin": "apps:app"}`, "not a YAML comment"},
		"marker in a string":  {`note: "x # {\"$imagepin\": \"apps:app\"}"`, `note: "x # {\"$imagepin\": \"apps:app\"}"`, ""},
		"unknown policy":      {`image: x # {"$imagepin": "apps:nope"}`, `image: x # {"$imagepin": "apps:nope"}`, ""},
		"document marker":     {`--- # {"$imagepin": "apps:app"}`, `--- # {"$imagepin": "apps:app"}`, ""},
		"folded block header": {"a: > # {\"$imagepin\": \"apps:app\"}\n  x # {\"$imagepin\": \"apps:app\"}\nb: x # {\"$imagepin\": \"apps:app:tag\"}", "a: > # {\"$imagepin\": \"apps:app\"}\n  x # {\"$imagepin\": \"apps:app\"}\nb: 1.4.2 # {\"$imagepin\": \"apps:app:tag\"}", "no plain or quoted scalar"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, matches := marker.Rewrite([]byte(tc.in), lookup)
			if diff := cmp.Diff(tc.want, string(out)); diff != "" {
				t.Errorf("Rewrite (-want +got):\n%s", diff)
			}
			var skipped string
			for _, m := range matches {
				skipped += m.Skipped
			}
			if (tc.skipped == "") != (skipped == "") || !strings.Contains(skipped, tc.skipped) {
				t.Errorf("skipped = %q; want it to contain %q", skipped, tc.skipped)
			}
		})
	}
}

func TestRewriteWithoutMarkersReturnsSrc(t *testing.T) {
	src := []byte("a: 1\nimage: x # {\"$imagepin\": \"apps:nope\"}\n")
	out, matches := marker.Rewrite(src, lookup)
	if &out[0] != &src[0] || len(matches) != 0 {
		t.Errorf("Rewrite copied a file it did not change, or reported %v", matches)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func summarize(matches []marker.Match) (changed int, skipped []int) {
	for _, m := range matches {
		if m.Changed {
			changed++
		}
		if m.Skipped != "" {
			skipped = append(skipped, m.Line)
		}
	}
	return changed, skipped
}

// assertOnlyMarkerLinesChanged checks that every line but those of changed
// markers is byte for byte the same, line endings included.
func assertOnlyMarkerLinesChanged(t testing.TB, src, out []byte, matches []marker.Match) {
	t.Helper()
	changed := map[int]bool{}
	for _, m := range matches {
		changed[m.Line] = changed[m.Line] || m.Changed
	}
	a, b := bytes.SplitAfter(src, []byte("\n")), bytes.SplitAfter(out, []byte("\n"))
	if len(a) != len(b) {
		t.Fatalf("Rewrite changed the number of lines from %d to %d", len(a), len(b))
	}
	for i := range a {
		if !changed[i+1] && !bytes.Equal(a[i], b[i]) {
			t.Errorf("line %d changed without a changed marker:\n- %q\n+ %q", i+1, a[i], b[i])
		}
		if changed[i+1] && bytes.HasSuffix(a[i], []byte("\r\n")) != bytes.HasSuffix(b[i], []byte("\r\n")) {
			t.Errorf("line %d lost or gained its CR", i+1)
		}
	}
}
