package testenv

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// Parallel runs do(0..n-1) on workers goroutines and returns the first
// error; after one, the remaining items are skipped.
func Parallel(ctx context.Context, n, workers int, do func(i int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error { return do(i) })
	}
	return g.Wait()
}
