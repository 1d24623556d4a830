package helmvalues_test

import (
	"bytes"
	"testing"

	"github.com/imagepin/imagepin/policy/writeback/helmvalues"
	"github.com/imagepin/imagepin/policy/writeback/yamledit/edittest"
)

// FuzzSet: Set never panics; what it returns parses, keeps every line it
// did not change, and is returned unchanged by a second Set.
func FuzzSet(f *testing.F) {
	for _, s := range []string{
		"image:\n  repository: r\n  tag: \"1.0\"\n  digest: ~\n",
		"# c\nimage: {repository: 'r', tag: 1, digest: }\n\nother: [a, b]\n",
		"image:\r\n  repository: r # x\r\n  tag: t\r\n  digest: \"\"\r\n",
		"image:\n  repository: &r r\n  tag: *r\n  digest: d\n",
		"image:\n  repository: |\n    r\n  tag: t\n  digest: d\n",
	} {
		f.Add([]byte(s), "1.2.3")
	}
	f.Fuzz(func(t *testing.T, src []byte, tag string) {
		im := img
		im.Tag = tag
		out, touched, err := helmvalues.Set(src, keys, im)
		if err != nil {
			return
		}
		edittest.Check(t, src, out, touched)
		again, _, err := helmvalues.Set(out, keys, im)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("a second Set changed the file or failed (%v):\n%q\n%q", err, out, again)
		}
	})
}
