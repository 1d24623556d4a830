package testenv

import (
	"context"
	"sync"
)

// Run runs start (a manager's, cache's or server's Start) in a goroutine
// until the test ends, and returns a stop that ends it earlier: it cancels
// start's context, waits for start to return and reports its error as
// what's. stop is idempotent and registered with t.Cleanup. The context is
// not t.Context(), which ends before the test's cleanups run, so that
// what start serves outlives the cleanups registered after Run.
func Run(t TB, what string, start func(context.Context) error) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- start(ctx) }()
	stop = sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("%s: %v", what, err)
		}
	})
	t.Cleanup(stop)
	return stop
}
