package helmvalues_test

import (
	"testing"

	"github.com/imagepin/imagepin/policy/writeback/helmvalues"
	"github.com/imagepin/imagepin/policy/writeback/yamledit/edittest"
)

// TestSetHostileLayouts: byte offsets come from the parser's lines and
// columns, which count characters and YAML's own line breaks; a file with
// a byte order mark, multi-byte keys, CR or Unicode line breaks is edited
// at the right bytes, or refused.
func TestSetHostileLayouts(t *testing.T) {
	k := helmvalues.Keys{Tag: "bild.tag"}
	tests := map[string]struct{ src, want string }{
		"byte order mark": {"\ufeffbild:\n  tag: x\n", "\ufeffbild:\n  tag: \"on\"\n"},
		"multi-byte key":  {"bild: {größe: 1, tag: x}\n", "bild: {größe: 1, tag: \"on\"}\n"},
		"lone CR breaks":  {"a: 1\rbild:\r  tag: x\r", "a: 1\rbild:\r  tag: \"on\"\r"},
		"Unicode breaks":  {"a: 1\u2028bild:\n  tag: x\n", "a: 1\u2028bild:\n  tag: \"on\"\n"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, touched, err := helmvalues.Set([]byte(tc.src), k, img)
			if err != nil {
				t.Logf("refused: %v", err) // refusing is safe; a wrong edit is not
				return
			}
			edittest.Check(t, []byte(tc.src), out, touched)
			if string(out) != tc.want {
				t.Errorf("got %q; want %q", out, tc.want)
			}
		})
	}
}
