package controlplane

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/imagepin/imagepin/internal/testenv"
)

// ForBenchmark starts a control plane of b's own and stops it when b ends,
// for a benchmark that the state or the components of its binary's shared
// control plane would distort. Tests share their binary's one (see Shared
// and RunTests). Under -short (the fast tier of pure unit tests) it skips b.
func ForBenchmark(b testenv.TB, opts Options) *ControlPlane {
	b.Helper()
	return startFor(b, opts)
}

// startFor starts a control plane for t and stops it when t ends; the
// tests of Start and Stop themselves call it directly.
func startFor(t testenv.TB, opts Options) *ControlPlane {
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

// RunTests is the TestMain of a package whose tests all need the control
// plane: unlike a Shared one's Get, it starts it before the first test, lets
// setup keep what the tests need, runs them, stops the control plane and
// returns the exit code for os.Exit. Under -short (the fast tier of pure
// unit tests) it runs none of the package's tests.
func RunTests(m testenv.M, opts Options, setup func(*ControlPlane) error) int {
	flag.Parse()
	if testenv.Short() {
		return runNone(m)
	}
	s := NewShared(opts, func(cp *ControlPlane) (func(), error) { return nil, setup(cp) })
	if _, err := s.start(); err != nil {
		fmt.Fprintln(os.Stderr, "start control plane:", err)
		if err := s.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop control plane:", err)
		}
		return 1
	}
	return s.Run(m)
}

// runNone is the TestMain body, under -short, of a package whose tests
// share a real control plane: it runs none of them, but through m.Run, so
// that go test records the run and caches its result like any other.
func runNone(m testenv.M) int {
	fmt.Println("not run under -short: the tests of this package share a real control plane (make test runs them)")
	if err := flag.Set("test.run", "^$"); err != nil {
		fmt.Fprintln(os.Stderr, "select no test:", err)
		return 1
	}
	return m.Run()
}
