// Package process runs the child processes of the test environment and the
// demo (kube-apiserver, etcd, the registry, the imagepin manager): each in a
// process group of its own, killed by the kernel when its parent dies on
// Linux, stopped gracefully (SIGTERM, then SIGKILL after a grace period), its
// output captured in a log file whose tail explains a failure.
//
// Command ties a short-lived tool to its parent the same way.
//
// It imports no testing package, so that binaries (hack/demo) may use it.
package process
