package resolver

import (
	"context"
	"time"

	"golang.org/x/sync/singleflight"
)

// flight de-duplicates concurrent work by key. The work runs once, detached
// from the cancellation of the caller that started it (so that caller giving
// up does not fail the others) but with its context values and within
// timeout; every caller returns as soon as its own context ends.
type flight[V any] struct {
	group singleflight.Group
}

// do runs fn for key unless a run for key is already in flight, and returns
// that run's result.
func (f *flight[V]) do(ctx context.Context, key string, timeout time.Duration, fn func(context.Context) (V, error)) (V, error) {
	if err := ctx.Err(); err != nil {
		var zero V
		return zero, err // start no work that nobody waits for
	}
	ch := f.group.DoChan(key, func() (any, error) {
		shared, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		defer cancel()
		return fn(shared)
	})
	select {
	case res := <-ch:
		v, _ := res.Val.(V)
		return v, res.Err
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}
