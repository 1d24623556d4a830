// Package controlplane runs a real Kubernetes control plane on 127.0.0.1 for
// imagepin's integration and end-to-end tests and for the local demo: etcd
// and kube-apiserver through controller-runtime's envtest, and optionally
// kube-controller-manager, so that Deployments really create ReplicaSets and
// Pods (which stay Pending: there is no kubelet).
//
// The binaries come from hack/controlplane.sh, which builds them from Go
// modules into a cache outside the checkout. KUBEBUILDER_ASSETS names that
// folder; when it is unset the package runs the script itself, so a plain
// `go test ./...` works on a fresh machine too (slowly, the first time).
package controlplane
