package controlplane

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/imagepin/imagepin/internal/testenv"
)

// ForTest starts a control plane for t and stops it when t ends.
// Under -short (the fast tier of pure unit tests) it skips t.
func ForTest(t testenv.TB, opts Options) *ControlPlane {
	t.Helper()
	testenv.SkipShort(t, "starts a real control plane")
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
// the control plane and returns the exit code for os.Exit. Under -short (the
// fast tier of pure unit tests) it runs none of the package's tests.
func RunTests(m testenv.M, opts Options, setup func(*ControlPlane) error) int {
	flag.Parse()
	if testenv.Short() {
		return RunNone(m)
	}
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

// RunNone is the TestMain body, under -short, of a package whose tests
// share a real control plane: it runs none of them, but through m.Run, so
// that go test records the run and caches its result like any other.
func RunNone(m testenv.M) int {
	fmt.Println("not run under -short: the tests of this package share a real control plane (make test runs them)")
	if err := flag.Set("test.run", "^$"); err != nil {
		fmt.Fprintln(os.Stderr, "select no test:", err)
		return 1
	}
	return m.Run()
}
