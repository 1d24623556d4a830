package controlplane

import (
	"context"
	"fmt"
	"os"
	"testing"
)

// ForTest starts a control plane for t and stops it when t ends.
func ForTest(t testing.TB, opts Options) *ControlPlane {
	t.Helper()
	cp, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("start control plane: %v", err)
	}
	t.Cleanup(func() {
		if err := cp.Stop(); err != nil {
			t.Errorf("stop control plane: %v", err)
		}
	})
	return cp
}

// RunTests is the TestMain of a package whose tests share one control
// plane: it starts it, lets setup keep what the tests need, runs them, stops
// the control plane and returns the exit code for os.Exit.
func RunTests(m *testing.M, opts Options, setup func(*ControlPlane) error) int {
	cp, err := Start(context.Background(), opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "start control plane:", err)
		return 1
	}
	code := 1
	if err := setup(cp); err != nil {
		fmt.Fprintln(os.Stderr, "set up tests:", err)
	} else {
		code = m.Run()
	}
	if err := cp.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop control plane:", err)
	}
	return code
}
