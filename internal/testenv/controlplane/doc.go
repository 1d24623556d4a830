// Package controlplane runs a real Kubernetes control plane on 127.0.0.1 for
// imagepin's integration and end-to-end tests and for the local demo: etcd
// and kube-apiserver with the flags, certificates and users of
// controller-runtime's envtest (whose CRD and webhook installation it uses),
// and optionally kube-controller-manager, so that Deployments really create
// ReplicaSets and Pods. Those Pods stay Pending unless Options.Nodes asks
// for fake Nodes: then kube-scheduler and kwok (which plays the Nodes'
// kubelets) run too, Pods become Running and Ready, and rollouts complete.
//
// The binaries come from hack/controlplane.sh and hack/kwok.sh, which build
// them from Go modules into a cache outside the checkout. KUBEBUILDER_ASSETS
// names the control plane's folder and IMAGEPIN_KWOK_BIN the kwok binary;
// when they are unset the package runs the scripts itself, so a plain
// `go test ./...` works on a fresh machine too (slowly, the first time).
//
// Every component runs through the harness's process runner
// (internal/testenv/process), not envtest's: on Linux the kernel kills it
// when the test binary or the demo that started it dies, even by SIGKILL,
// which envtest's etcd and kube-apiserver survived. The control plane's
// folder is a testenv.TempDir, which the next start removes when its owner
// died without Stop.
package controlplane
