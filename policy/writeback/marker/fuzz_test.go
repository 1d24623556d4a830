package marker_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	yaml3 "go.yaml.in/yaml/v3"

	"github.com/imagepin/imagepin/policy/writeback/marker"
)

// fuzzLookup knows every policy: the test policies, and for any other one
// an image whose tag YAML 1.1 reads as a boolean, so that quoting is fuzzed.
func fuzzLookup(p marker.Policy) (marker.Image, bool) {
	if img, ok := images[p]; ok {
		return img, true
	}
	return marker.ParseImage("r.io/" + p.Name + ":on@" + digestA), p.Name != "unknown"
}

// FuzzRewrite checks that Rewrite never panics, keeps every line it does not
// rewrite byte for byte, keeps valid YAML valid, and is idempotent.
func FuzzRewrite(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`a: b # {"$imagepin": "x:y"}`,
		"k: |\n  v # {\"$imagepin\": \"x:y\"}\nz: 1 # {\"$imagepin\": \"x:y:tag\"}\n",
		`- 'it''s' # {"$imagepolicy": "x:y:name"}`,
		`"a\"b": "c\"d" # {"$imagepin": "x:y:digest"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		out, matches := marker.Rewrite(src, fuzzLookup)
		assertOnlyMarkerLinesChanged(t, src, out, matches)
		for _, m := range matches {
			if m.Changed && !strings.Contains(lineOf(out, m.Line), m.New) {
				t.Errorf("line %d does not hold %q: %q", m.Line, m.New, lineOf(out, m.Line))
			}
		}
		again, _ := marker.Rewrite(out, fuzzLookup)
		if !bytes.Equal(again, out) {
			t.Errorf("Rewrite is not idempotent:\n%q\n%q", out, again)
		}
		if yamlErr(src) == nil {
			if err := yamlErr(out); err != nil {
				t.Errorf("valid YAML became invalid: %v\n%q\n%q", err, src, out)
			}
		}
	})
}

// yamlErr says why b is not a valid YAML stream: not UTF-8, or a document
// that does not parse. yaml.Unmarshal alone is not enough: it decodes the
// first document and sees the bytes after it only as far as its read
// buffer reaches, so a longer line can move an invalid byte into view.
func yamlErr(b []byte) error {
	if !utf8.Valid(b) {
		return errors.New("not UTF-8")
	}
	d := yaml3.NewDecoder(bytes.NewReader(b))
	for {
		var v any
		switch err := d.Decode(&v); {
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return err
		}
	}
}

func lineOf(b []byte, n int) string {
	lines := bytes.Split(b, []byte("\n"))
	if n-1 < len(lines) {
		return string(lines[n-1])
	}
	return ""
}
