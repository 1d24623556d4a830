package resolver

import (
	"context"
	"fmt"
	"net/http"

	"golang.org/x/time/rate"
)

// hostLimits holds one rate limiter and one in-flight bound per registry
// host, for at most maxHosts hosts: every image a Pod names can bring a new
// host, so the least recently used ones are forgotten. A forgotten host that
// comes back starts with a fresh limiter; that costs a registry at most one
// extra burst, and only when more than maxHosts hosts are in use.
type hostLimits struct {
	limit       rate.Limit
	burst       int
	maxInFlight int
	hosts       *lru[*hostLimit]
}

type hostLimit struct {
	limiter  *rate.Limiter
	inFlight chan struct{}
}

// newHostLimits returns limits applied to each of up to maxHosts hosts.
func newHostLimits(limit rate.Limit, burst, maxInFlight, maxHosts int) *hostLimits {
	return &hostLimits{limit: limit, burst: burst, maxInFlight: maxInFlight, hosts: newLRU[*hostLimit](maxHosts, 0)}
}

// get returns the limits of host, creating them on first use.
func (l *hostLimits) get(host string) *hostLimit {
	return l.hosts.getOrAdd(host, func() *hostLimit {
		return &hostLimit{limiter: rate.NewLimiter(l.limit, l.burst), inFlight: make(chan struct{}, l.maxInFlight)}
	})
}

// len returns the number of hosts whose limits are kept.
func (l *hostLimits) len() int {
	return l.hosts.len()
}

// limitTransport holds every try to its host's limits. The in-flight slot is
// held until response headers arrive: bodies are read by code that may not
// close them on every path, and a leaked slot would stall the host for good.
type limitTransport struct {
	next   http.RoundTripper
	limits *hostLimits
}

// RoundTrip implements http.RoundTripper.
func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	h := t.limits.get(req.URL.Host)
	select {
	case h.inFlight <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-h.inFlight }()
	if err := h.limiter.Wait(ctx); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// The limiter refuses waits that would end after the deadline.
		return nil, fmt.Errorf("rate limit of %s: %w", req.URL.Host, context.DeadlineExceeded)
	}
	return t.next.RoundTrip(req)
}
