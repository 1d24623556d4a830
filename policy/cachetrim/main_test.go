package cachetrim_test

import (
	"os"
	"testing"

	"github.com/imagepin/imagepin/internal/testenv/controlplane"
)

// controlPlane is the API server of the tests that need one.
var controlPlane = controlplane.NewShared(controlplane.Options{CRDDirs: []string{"charts/imagepin/crds"}}, nil)

func TestMain(m *testing.M) {
	os.Exit(controlPlane.Run(m))
}
