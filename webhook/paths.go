package webhook

// Paths served by imagepin's webhook server. The chart's webhook
// configurations and the manager both use these.
const (
	// MutatePodsPath pins the images of Pods.
	MutatePodsPath = "/mutate-pods"
	// ValidateImagePoliciesPath validates ImagePolicy objects.
	ValidateImagePoliciesPath = "/validate-imagepolicies"
)
