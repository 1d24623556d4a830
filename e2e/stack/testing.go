package stack

import (
	"os"

	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/imagepin/imagepin/internal/testenv"
)

// ForTest starts a stack for t and stops it when t ends. When t has failed,
// the end of the manager's log is logged first. It gives controller-runtime
// the stack's Logger, to stderr. Under -short (the fast tier of pure unit
// tests) it skips t.
func ForTest(t testenv.TB, opts Options) *Stack {
	t.Helper()
	testenv.SkipShort(t, "starts a real control plane and imagepin")
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
