package kustomize_test

import (
	"bytes"
	"testing"

	"github.com/imagepin/imagepin/policy/writeback/kustomize"
	"github.com/imagepin/imagepin/policy/writeback/yamledit/edittest"
)

// FuzzSetImage: SetImage never panics; what it returns parses, keeps every
// line it did not change, and is returned unchanged by a second SetImage.
func FuzzSetImage(f *testing.F) {
	for _, s := range []string{
		"images:\n- name: ghcr.io/acme/app\n  newTag: \"1\"\n",
		"resources:\n  - ../base\n\nimages:\n  - name: nginx # web\n    newTag: '1.0'\n",
		"images: [{name: ghcr.io/acme/app, newTag: v1}]\n",
		"images:\n- {name: x, newName: ghcr.io/acme/app}\n# end\n",
		"images: # none\nresources: [a]\n",
		"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\r\nimages:\r\n- name: ghcr.io/acme/app\r\n  digest: sha256:abc\r\n",
		"images:\n- name: ghcr.io/acme/app\n  newTag: &a 1\n  digest: *a\n",
		"a: b",
	} {
		f.Add([]byte(s), "1.2.3")
	}
	f.Fuzz(func(t *testing.T, src []byte, tag string) {
		im := img
		im.Tag = tag
		out, touched, err := kustomize.SetImage(src, im)
		if err != nil {
			return
		}
		edittest.Check(t, src, out, touched)
		again, _, err := kustomize.SetImage(out, im)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("a second SetImage changed the file or failed (%v):\n%q\n%q", err, out, again)
		}
	})
}
