package scanner

import (
	"strings"
	"testing"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

func TestDisallowed(t *testing.T) {
	const digest = "sha256:0000000000000000000000000000000000000000000000000000000000000001"
	policy := func(rng string, pin *v1alpha1.Pin, tag string, source v1alpha1.Source) *v1alpha1.ImagePolicy {
		p := &v1alpha1.ImagePolicy{Spec: v1alpha1.ImagePolicySpec{Image: "nginx",
			Select: v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: rng}}, Pin: pin}}
		rec := record("docker.io/library/nginx", tag, digest, source, p.CreationTimestamp)
		p.Status.Current = &v1alpha1.CurrentImage{ImageRecord: rec}
		return p
	}
	tests := map[string]struct {
		p    *v1alpha1.ImagePolicy
		want string // a part of the reason, "" for allowed
	}{
		"in range":                {p: policy("^1", nil, "1.2.0", v1alpha1.SourceScan)},
		"narrowed below":          {p: policy("<1.2.0", nil, "1.2.0", v1alpha1.SourceScan), want: "tag 1.2.0 is not allowed"},
		"former pin in range":     {p: policy("^1", nil, "1.0.0", v1alpha1.SourcePin)},
		"former digest pin":       {p: policy("^1", nil, "", v1alpha1.SourcePin), want: "pinned digest"},
		"pin not yet resolved":    {p: policy("^1", &v1alpha1.Pin{Tag: "1.0.0"}, "1.2.0", v1alpha1.SourceScan), want: "spec.pin asks for tag 1.0.0"},
		"pin resolved":            {p: policy("^1", &v1alpha1.Pin{Tag: "1.0.0"}, "1.0.0", v1alpha1.SourcePin)},
		"digest pin resolved":     {p: policy("^1", &v1alpha1.Pin{Digest: digest}, "", v1alpha1.SourcePin)},
		"digest pin not resolved": {p: policy("^1", &v1alpha1.Pin{Digest: digest}, "1.0.0", v1alpha1.SourceScan), want: "spec.pin asks for digest"},
		"no current":              {p: &v1alpha1.ImagePolicy{}},
		"another repository": {p: func() *v1alpha1.ImagePolicy {
			p := policy("^1", nil, "1.2.0", v1alpha1.SourceScan)
			p.Spec.Image = "ghcr.io/org/nginx"
			return p
		}(), want: "not an image of ghcr.io/org/nginx"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := disallowed(tc.p)
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("disallowed = %q, want %q", got, tc.want)
			}
		})
	}
}
