package chart

import (
	"context"
	"os"
	"testing"

	"github.com/imagepin/imagepin/internal/testenv/controlplane"
)

// chartCRDs is the chart's folder of CRDs, which helm installs and never
// removes.
const chartCRDs = "charts/imagepin/crds"

// controlPlane is the API server of the tests that install or validate the
// chart, started by the first of them. Each uses a namespace of its own
// and leaves no CRD behind.
var controlPlane = controlplane.NewShared(controlplane.Options{}, nil)

func TestMain(m *testing.M) {
	os.Exit(controlPlane.Run(m))
}

// installChart installs the chart as release imagepin in namespace ns, with
// args. When t ends it uninstalls the release, if the test has not, and
// deletes the chart's CRD, which helm keeps, so that the next test installs
// it again.
func installChart(t *testing.T, cp *controlplane.ControlPlane, ns string, args ...string) {
	t.Helper()
	bin := helmBinary(t) // the cleanup cannot build it: t's context has ended then
	t.Cleanup(func() {
		run(t, bin, "uninstall", "imagepin", "--ignore-not-found", "--kubeconfig", cp.Kubeconfig, "-n", ns)
		if err := cp.DeleteCRDs(context.Background(), chartCRDs); err != nil {
			t.Errorf("delete the chart's CRD: %v", err)
		}
	})
	run(t, bin, append([]string{"install", "imagepin", "charts/imagepin", "--kubeconfig", cp.Kubeconfig, "-n", ns, "--create-namespace"}, args...)...)
}
