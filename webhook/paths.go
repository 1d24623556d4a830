package webhook

import "github.com/imagepin/imagepin/policy/api/v1alpha1"

// Paths served by imagepin's webhook server. The chart's webhook
// configurations and the manager both use these.
const (
	// MutatePodsEnabledPath pins the images of Pods in namespaces labelled
	// imagepin.dev/pinning=enabled: the handler behind it fails open.
	MutatePodsEnabledPath = "/mutate-pods/enabled"
	// MutatePodsStrictPath pins the images of Pods in namespaces labelled
	// imagepin.dev/pinning=strict: the handler behind it denies what it
	// cannot pin.
	MutatePodsStrictPath = "/mutate-pods/strict"
	// MutatePodsPath pins the images of Pods and reads the namespace's mode
	// from its label. It serves webhook configurations written before the
	// per-mode paths existed (a release being upgraded); when the Namespace
	// cannot be read it does not know the mode and answers with an error.
	MutatePodsPath = "/mutate-pods"
	// ValidateImagePoliciesPath validates ImagePolicy objects.
	ValidateImagePoliciesPath = "/validate-imagepolicies"
)

// MutatePodsPathFor returns the path of the Pod webhook for namespaces
// labelled mode (v1alpha1.PinningEnabled or v1alpha1.PinningStrict), and
// MutatePodsPath for any other value.
func MutatePodsPathFor(mode string) string {
	switch mode {
	case v1alpha1.PinningEnabled:
		return MutatePodsEnabledPath
	case v1alpha1.PinningStrict:
		return MutatePodsStrictPath
	}
	return MutatePodsPath
}
