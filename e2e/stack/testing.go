package stack

import (
	"os"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/log"
)

// ForTest starts a stack for t and stops it when t ends. When t has failed,
// the end of the manager's log is logged first. It gives controller-runtime
// the stack's Logger, to stderr.
func ForTest(t testing.TB, opts Options) *Stack {
	t.Helper()
	log.SetLogger(Logger(os.Stderr))
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	s, err := Start(t.Context(), opts)
	if err != nil {
		t.Fatalf("start stack: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() && s.Manager != nil {
			t.Logf("imagepin manager log (end):\n%s", s.Manager.LogTail())
		}
		if err := s.Stop(); err != nil {
			t.Errorf("%v", err)
		}
	})
	return s
}
