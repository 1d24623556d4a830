package registry

import "testing"

// StartT starts a registry for the test t and stops it in t's cleanup. It
// fails the test, showing the end of the registry's log, when the registry
// does not start, and logs that end at cleanup when the test has failed.
// Under -short (the fast tier of pure unit tests) it skips t.
func StartT(t testing.TB, opts Options) *Registry {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a real registry: runs in make test, not under -short")
	}
	r, err := Start(t.Context(), opts)
	if err != nil {
		t.Fatalf("start registry: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("registry %s %s", r.Host, r.proc.logTail())
		}
		if err := r.Stop(); err != nil {
			t.Errorf("stop registry %s: %v", r.Host, err)
		}
	})
	return r
}
