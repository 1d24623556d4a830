package webhook

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// TestOriginalImages checks how the annotation merges across invocations.
func TestOriginalImages(t *testing.T) {
	app := change{target: target{name: "app", image: "team/app:v2"}}
	tests := map[string]struct {
		current, old string // annotation values; old "-" means CREATE
		changes      []change
		want         string
	}{
		"first pin":                 {old: "-", changes: []change{app}, want: `{"app":"team/app:v2"}`},
		"merged with other entries": {current: `{"web":"nginx"}`, old: "-", changes: []change{app}, want: `{"app":"team/app:v2","web":"nginx"}`},
		"reinvocation keeps the original": {current: `{"app":"team/app:v1"}`, old: "-", changes: []change{app},
			want: `{"app":"team/app:v1"}`},
		"update replaces the inherited entry": {current: `{"app":"team/app:v1"}`, old: `{"app":"team/app:v1"}`, changes: []change{app},
			want: `{"app":"team/app:v2"}`},
		"update reinvocation keeps this admission's entry": {current: `{"app":"team/app:v2"}`, old: `{"app":"team/app:v1"}`,
			changes: []change{{target: target{name: "app", image: "mirror/app:v2"}}}, want: `{"app":"team/app:v2"}`},
		"hand-edited annotation is replaced": {current: `not json`, old: "-", changes: []change{app}, want: `{"app":"team/app:v2"}`},
		"null annotation":                    {current: `null`, old: "-", changes: []change{app}, want: `{"app":"team/app:v2"}`},
		"wrong value type":                   {current: `{"app":1}`, old: "-", changes: []change{app}, want: `{"app":"team/app:v2"}`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pod := view(tc.current)
			var old *podView
			if tc.old != "-" {
				old = view(tc.old)
			}
			if diff := cmp.Diff(tc.want, originalImages(pod, old, tc.changes)); diff != "" {
				t.Errorf("annotation (-want +got):\n%s", diff)
			}
		})
	}
}

// view is a Pod with the original-images annotation set to value, if any.
func view(value string) *podView {
	p := &podView{}
	if value != "" {
		p.Metadata.Annotations = map[string]string{v1alpha1.OriginalImagesAnnotation: value}
	}
	return p
}

// TestTargets checks which images a request brings.
func TestTargets(t *testing.T) {
	pod := &podView{}
	pod.Spec.InitContainers = []containerView{{Name: "init", Image: "tool:1"}}
	pod.Spec.Containers = []containerView{{Name: "web", Image: "nginx:1.26"}, {Name: "app", Image: "app:1"}}
	pod.Spec.EphemeralContainers = []containerView{{Name: "debug", Image: "busybox"}}
	old := &podView{}
	old.Spec.InitContainers = []containerView{{Name: "init", Image: "tool:1"}}
	old.Spec.Containers = []containerView{{Name: "web", Image: "nginx:1.25"}, {Name: "app", Image: "app:1"}}
	tests := map[string]struct {
		old         *podView
		subresource string
		want        []string
	}{
		"create":               {want: []string{"init", "web", "app", "debug"}},
		"update":               {old: old, want: []string{"web", "debug"}},
		"update, nothing new":  {old: pod, want: nil},
		"ephemeral containers": {old: old, subresource: ephemeralContainers, want: []string{"debug"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, tg := range targets(pod, tc.old, tc.subresource) {
				got = append(got, tg.name)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("targets (-want +got):\n%s", diff)
			}
		})
	}
}

// TestHasTag checks that a registry port is not taken for a tag.
func TestHasTag(t *testing.T) {
	tests := map[string]struct {
		image string
		want  bool
	}{
		"short":          {image: "nginx", want: false},
		"short, tagged":  {image: "nginx:1", want: true},
		"port":           {image: "localhost:5000/app", want: false},
		"port, tagged":   {image: "localhost:5000/app:1", want: true},
		"ipv6 and port":  {image: "[::1]:5000/team/app", want: false},
		"nested, tagged": {image: "ghcr.io/a/b/c:latest", want: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := hasTag(tc.image); got != tc.want {
				t.Errorf("hasTag(%q) = %v, want %v", tc.image, got, tc.want)
			}
		})
	}
}
