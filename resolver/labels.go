package resolver

import (
	"context"
	"sync"
)

// OtherRegistry is the registry label of imagepin_registry_requests_total
// for hosts that no policy names, and for policy registries beyond
// WithMaxRegistryLabels: a Pod author must not be able to add a series per
// host to every replica's metrics.
const OtherRegistry = "other"

// registryLabels decides the registry label of a request. A host becomes a
// label of its own when a policy's call (ListTags, Digest) reaches it,
// until max hosts have; every other host counts as OtherRegistry.
type registryLabels struct {
	max int

	mu    sync.RWMutex
	known map[string]struct{}
}

// newRegistryLabels returns labels that name at most max hosts.
func newRegistryLabels(max int) *registryLabels {
	return &registryLabels{max: max, known: map[string]struct{}{}}
}

// of returns the label of a request to host made with ctx.
func (l *registryLabels) of(ctx context.Context, host string) string {
	l.mu.RLock()
	_, ok := l.known[host]
	full := len(l.known) >= l.max
	l.mu.RUnlock()
	switch {
	case ok:
		return host
	case full || !forPolicy(ctx):
		return OtherRegistry
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.known) >= l.max {
		return OtherRegistry
	}
	l.known[host] = struct{}{}
	return host
}

type policyKey struct{}

// withPolicy marks ctx as the context of a call for a policy, whose
// registries are named in the metrics.
func withPolicy(ctx context.Context) context.Context {
	return context.WithValue(ctx, policyKey{}, true)
}

// forPolicy reports whether ctx is the context of a call for a policy.
func forPolicy(ctx context.Context) bool {
	v, _ := ctx.Value(policyKey{}).(bool)
	return v
}
