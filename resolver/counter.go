package resolver

import (
	"context"
	"sync/atomic"
)

// RequestCounter counts the HTTP requests sent on behalf of one caller, e.g.
// for an ImagePolicy's status.lastScan.requests. Attach it to a context with
// ContextWithCounter; every request made with that context (pings, token
// exchanges and retries included) increments it. A CachedDigest call that is
// answered from the cache, or that waits for another caller's lookup, adds
// nothing. The zero value is ready to use and safe for concurrent use.
type RequestCounter struct {
	n atomic.Int64
}

// Requests returns the number of requests counted so far.
func (c *RequestCounter) Requests() int64 {
	return c.n.Load()
}

// add counts one request; a nil counter ignores it.
func (c *RequestCounter) add() {
	if c != nil {
		c.n.Add(1)
	}
}

type counterKey struct{}

// ContextWithCounter returns a context whose registry requests c counts.
func ContextWithCounter(ctx context.Context, c *RequestCounter) context.Context {
	return context.WithValue(ctx, counterKey{}, c)
}

// counterFrom returns the counter attached to ctx, or nil.
func counterFrom(ctx context.Context) *RequestCounter {
	c, _ := ctx.Value(counterKey{}).(*RequestCounter)
	return c
}
