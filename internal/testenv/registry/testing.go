package registry

import "github.com/imagepin/imagepin/internal/testenv"

// StartT starts a registry for the test t and stops it in t's cleanup. It
// fails the test, showing the end of the registry's log, when the registry
// does not start, and logs that end at cleanup when the test has failed.
// Under -short (the fast tier of pure unit tests) it skips t.
func StartT(t testenv.TB, opts Options) *Registry {
	t.Helper()
	testenv.SkipShort(t, "starts a real registry")
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
