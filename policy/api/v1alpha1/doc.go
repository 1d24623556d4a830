// Package v1alpha1 holds the imagepin.dev/v1alpha1 API: the ImagePolicy kind
// that the scanner fills in, the webhook reads and Git write-back records,
// plus the labels and annotations that form imagepin's contract with users.
//
// Validation lives in two places: the OpenAPI and CEL rules generated from
// the markers in this package (enforced by the API server itself), and
// package policy/validation for what CEL cannot judge (semver ranges,
// regular expressions, cron schedules).
//
// +kubebuilder:object:generate=true
// +groupName=imagepin.dev
package v1alpha1
