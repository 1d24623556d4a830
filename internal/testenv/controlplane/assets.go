package controlplane

import (
	"context"
	"os"

	"github.com/imagepin/imagepin/internal/testenv/buildtool"
)

// AssetsEnv names the folder that holds etcd, kube-apiserver, kube-scheduler,
// kube-controller-manager and kubectl (envtest's convention).
const AssetsEnv = "KUBEBUILDER_ASSETS"

// Assets returns the folder of the control-plane binaries: $KUBEBUILDER_ASSETS
// when set, otherwise the folder that hack/controlplane.sh builds and prints.
func Assets() (string, error) {
	if dir := os.Getenv(AssetsEnv); dir != "" {
		return dir, nil
	}
	return buildtool.Run(context.Background(), "hack/controlplane.sh")
}
