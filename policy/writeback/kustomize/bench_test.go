package kustomize_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/imagepin/imagepin/policy/writeback/kustomize"
)

// BenchmarkSetImage edits a kustomization of 20 images (the policy's is
// the last), the work of one kustomization target per cycle.
func BenchmarkSetImage(b *testing.B) {
	var src strings.Builder
	src.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\nimages:\n")
	for i := range 19 {
		fmt.Fprintf(&src, "  - name: r.io/team/svc-%d # service %d\n    newTag: \"1.%d.0\"\n", i, i, i)
	}
	src.WriteString("  - name: ghcr.io/acme/app\n    newTag: \"1.0\"\n")
	in := []byte(src.String())
	for b.Loop() {
		if _, _, err := kustomize.SetImage(in, img); err != nil {
			b.Fatal(err)
		}
	}
}
