package main

import (
	"os"
	"testing"

	"github.com/imagepin/imagepin/internal/testenv/controlplane"
)

// runAsImagepin makes the test binary run imagepin's main instead of the
// tests, so that tests can start real imagepin processes.
const runAsImagepin = "IMAGEPIN_TEST_RUN_MAIN"

// controlPlane is the one real API server of the tests that run `imagepin
// manager` against one; each runs the manager with a namespace of its own
// and installs the webhook configurations it needs.
var controlPlane = controlplane.NewShared(controlplane.Options{CRDDirs: []string{"charts/imagepin/crds"}}, nil)

func TestMain(m *testing.M) {
	if os.Getenv(runAsImagepin) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(controlPlane.Run(m))
}
