package resolver

import (
	"context"
	"sync"
	"time"
)

// flight de-duplicates concurrent work by key. The work runs once, detached
// from the cancellation of the caller that started it (so that caller giving
// up does not fail the others) but with its context values and within
// timeout; every caller returns as soon as its own context ends.
type flight[V any] struct {
	mu    sync.Mutex
	calls map[string]*flightCall[V]
}

// flightCall is one run of the work; val and err are set before done closes.
type flightCall[V any] struct {
	done chan struct{}
	val  V
	err  error
}

// admission is asked, with the caller's context, before new work starts;
// it returns the function to call when the work ends.
type admission func(ctx context.Context) (func(), error)

// do runs fn for key unless a run for key is already in flight, and returns
// that run's result. Joining a run needs no admission; starting one needs
// admit's, unless admit is nil.
func (f *flight[V]) do(ctx context.Context, key string, timeout time.Duration, admit admission,
	fn func(context.Context) (V, error)) (V, error) {
	var zero V
	if err := ctx.Err(); err != nil {
		return zero, err // start no work that nobody waits for
	}
	if c := f.running(key); c != nil {
		return c.wait(ctx)
	}
	release := func() {}
	if admit != nil {
		var err error
		if release, err = admit(ctx); err != nil {
			return zero, err
		}
	}
	c, leader := f.start(key)
	if !leader {
		release() // another caller started the run while this one waited
		return c.wait(ctx)
	}
	go func() {
		defer release()
		shared, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		defer cancel()
		c.val, c.err = fn(shared)
		f.finish(key, c)
	}()
	return c.wait(ctx)
}

// running returns the run in flight for key, or nil.
func (f *flight[V]) running(key string) *flightCall[V] {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[key]
}

// start returns the run for key and whether the caller created it.
func (f *flight[V]) start(key string) (*flightCall[V], bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.calls[key]; ok {
		return c, false
	}
	if f.calls == nil {
		f.calls = map[string]*flightCall[V]{}
	}
	c := &flightCall[V]{done: make(chan struct{})}
	f.calls[key] = c
	return c, true
}

// finish forgets the run c of key and wakes its callers.
func (f *flight[V]) finish(key string, c *flightCall[V]) {
	f.mu.Lock()
	delete(f.calls, key)
	f.mu.Unlock()
	close(c.done)
}

// wait returns c's result, or ctx's error if ctx ends first.
func (c *flightCall[V]) wait(ctx context.Context) (V, error) {
	select {
	case <-c.done:
		return c.val, c.err
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}
