package workload

import (
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	corev1 "k8s.io/api/core/v1"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// Repositories returns the normalised repositories that the containers and
// init containers of tmpl name by tag (any tag, or none): those the webhook
// may pin. Images that already name a digest, and images that are no
// reference, are left out, as is everything of a template whose Pods opt
// out of pinning (label imagepin.dev/pinning=disabled).
func Repositories(tmpl corev1.PodTemplateSpec) []string {
	if tmpl.Labels[v1alpha1.PinningLabel] == v1alpha1.PinningDisabled {
		return nil
	}
	var out []string
	for _, list := range [][]corev1.Container{tmpl.Spec.InitContainers, tmpl.Spec.Containers} {
		for _, c := range list {
			if strings.Contains(c.Image, "@") {
				continue
			}
			tag, err := name.NewTag(c.Image)
			if err != nil {
				continue
			}
			if repo := tag.Context().Name(); !slices.Contains(out, repo) {
				out = append(out, repo)
			}
		}
	}
	return out
}
