// Package webhook is imagepin's admission side: the paths its webhook server
// serves and, in time, the Pod handler that rewrites container images to
// repository:tag@digest from ImagePolicy status without calling a registry on
// the hot path.
package webhook
