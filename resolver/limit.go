package resolver

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"golang.org/x/time/rate"
)

// hostLimits holds one rate limiter and one in-flight bound per registry
// host. The set of hosts a resolver talks to is small (registries and their
// token servers), so entries are never evicted.
type hostLimits struct {
	limit       rate.Limit
	burst       int
	maxInFlight int

	mu    sync.Mutex
	hosts map[string]*hostLimit
}

type hostLimit struct {
	limiter  *rate.Limiter
	inFlight chan struct{}
}

// newHostLimits returns limits applied to every host.
func newHostLimits(limit rate.Limit, burst, maxInFlight int) *hostLimits {
	return &hostLimits{limit: limit, burst: burst, maxInFlight: maxInFlight, hosts: map[string]*hostLimit{}}
}

// get returns the limits of host, creating them on first use.
func (l *hostLimits) get(host string) *hostLimit {
	l.mu.Lock()
	defer l.mu.Unlock()
	h, ok := l.hosts[host]
	if !ok {
		h = &hostLimit{
			limiter:  rate.NewLimiter(l.limit, l.burst),
			inFlight: make(chan struct{}, l.maxInFlight),
		}
		l.hosts[host] = h
	}
	return h
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
