package resolver

import (
	"context"
	"fmt"
	"sync"
)

type tenantKey struct{}

// ContextWithTenant returns a context whose CachedDigest lookups count
// against tenant's share of WithLookupLimits, e.g. the namespace of the Pod
// the webhook pins, so that one namespace cannot take every lookup slot.
func ContextWithTenant(ctx context.Context, tenant string) context.Context {
	return context.WithValue(ctx, tenantKey{}, tenant)
}

// tenantFrom returns the tenant of ctx, "" when none was set.
func tenantFrom(ctx context.Context) string {
	t, _ := ctx.Value(tenantKey{}).(string)
	return t
}

// lookupLimits bounds the CachedDigest lookups that run at once, in all and
// per tenant. A lookup runs detached from its caller and may outlive it (up
// to the shared timeout), so without a bound a flood of Pods naming new
// hosts would pile up goroutines and connections on every replica.
type lookupLimits struct {
	global, perTenant int

	mu       sync.Mutex
	total    int
	byTenant map[string]int
	freed    chan struct{} // closed and replaced whenever a slot is freed
}

// newLookupLimits returns limits of global lookups, perTenant of them per tenant.
func newLookupLimits(global, perTenant int) *lookupLimits {
	return &lookupLimits{global: global, perTenant: perTenant, byTenant: map[string]int{}, freed: make(chan struct{})}
}

// acquire waits until the tenant of ctx may start a lookup, or ctx ends,
// and returns the function that frees the slot.
func (l *lookupLimits) acquire(ctx context.Context) (func(), error) {
	tenant := tenantFrom(ctx)
	for {
		l.mu.Lock()
		if l.total < l.global && l.byTenant[tenant] < l.perTenant {
			l.total++
			l.byTenant[tenant]++
			l.mu.Unlock()
			return sync.OnceFunc(func() { l.release(tenant) }), nil
		}
		freed, busy := l.freed, l.byTenant[tenant] >= l.perTenant
		l.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			if busy {
				return nil, fmt.Errorf("%d registry lookups of %q already in flight: %w", l.perTenant, tenant, ctx.Err())
			}
			return nil, fmt.Errorf("%d registry lookups already in flight: %w", l.global, ctx.Err())
		}
	}
}

// release frees a slot of tenant and wakes the waiters.
func (l *lookupLimits) release(tenant string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.byTenant[tenant]--; l.byTenant[tenant] <= 0 {
		delete(l.byTenant, tenant) // the map holds only tenants with lookups in flight
	}
	close(l.freed)
	l.freed = make(chan struct{})
}
