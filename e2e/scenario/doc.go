// Package scenario is imagepin's end-to-end test: the whole loop that
// DESIGN.md promises, on the environment of e2e/stack (a real kube-apiserver
// with kube-controller-manager, a Distribution registry with htpasswd and
// TLS, a git http-backend server, the chart installed with helm, and
// `imagepin manager` running as the chart's ServiceAccount).
//
// A semver ImagePolicy pins a Deployment's Pods to the newest allowed tag's
// digest without touching the Deployment; a pushed tag moves the policy and
// new Pods; spec.pin rolls back and its removal rolls forward; an unlabeled
// namespace is never mutated; a strict namespace denies what cannot be
// pinned; helm upgrade keeps the webhooks working; with the manager
// stopped, the API server still admits Pods of enabled namespaces (unpinned)
// and denies those of strict ones; and helm uninstall removes the webhooks
// while Pods keep their digests.
//
// The package holds only tests; `go test ./...` runs them.
package scenario
