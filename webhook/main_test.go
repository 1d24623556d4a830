package webhook_test

import (
	"os"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/imagepin/imagepin/internal/testenv/controlplane"
)

// controlPlane is the real kube-apiserver, with kube-controller-manager so
// that Deployments make Pods, of the tests that run the webhook behind one;
// it is started by the first of them. Each installs the webhook
// configuration and runs the manager it needs, and uses namespaces of its
// own. BenchmarkAdmission starts a control plane of its own (see
// benchCluster).
var controlPlane = controlplane.NewShared(controlplane.Options{
	CRDDirs:           []string{"charts/imagepin/crds"},
	ControllerManager: true,
}, nil)

func TestMain(m *testing.M) {
	// controller-runtime logs to stderr at info level, as the manager logs
	// by default; go test shows them when a test fails.
	log.SetLogger(zap.New(zap.WriteTo(os.Stderr)))
	os.Exit(controlPlane.Run(m))
}
