package resolver

import (
	"context"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// CachedDigest is Digest through a cache, for the admission webhook: answers
// are kept for the cache TTL (WithCache), and concurrent lookups of one tag
// with the same credentials share one registry request. A lookup that the
// caller gives up on (its context ends) still completes in the background,
// bounded by WithSharedTimeout, and fills the cache for the next caller.
//
// Entries are keyed by the credentials too, so a Pod never gets a digest
// that only another namespace's pull secret could read. Failures are not
// cached. Lookups that ask the registry run at most WithLookupLimits at a
// time, in all and per tenant (ContextWithTenant); a caller waits for a
// free slot within its own context.
func (r *Resolver) CachedDigest(ctx context.Context, ref name.Tag, platform *v1.Platform, a Access) (v1.Hash, error) {
	h, err := r.cachedDigest(ctx, ref, platform, a)
	if err != nil {
		return v1.Hash{}, newError(ctx, "resolve digest of", ref.Name(), ref.RegistryStr(), err)
	}
	return h, nil
}

// cachedDigest is CachedDigest without the error wrapping.
func (r *Resolver) cachedDigest(ctx context.Context, ref name.Tag, platform *v1.Platform, a Access) (v1.Hash, error) {
	repo := a.repository(ref.Context())
	creds, err := a.resolve(ctx, repo)
	if err != nil {
		return v1.Hash{}, err
	}
	key := cacheKey(creds, ref, platform)
	if h, ok := r.digests.get(key); ok {
		r.metrics.cacheHits.Inc()
		return h, nil
	}
	r.metrics.cacheMisses.Inc()
	return r.lookups.do(ctx, key, r.opts.sharedTimeout, r.slots.acquire, func(ctx context.Context) (v1.Hash, error) {
		s, err := r.sessionWith(ctx, repo, creds, a.CAPEM)
		if err != nil {
			return v1.Hash{}, err
		}
		h, err := r.digest(ctx, s, ref, platform)
		if err == nil && r.opts.cacheTTL > 0 {
			r.digests.add(key, h)
		}
		return h, err
	})
}

// cacheKey identifies a lookup: credentials (with insecure and CA), the
// tag's full name and the platform.
func cacheKey(creds credentials, ref name.Tag, platform *v1.Platform) string {
	key := creds.key + "\x00" + ref.Name()
	if platform != nil {
		key += "\x00" + platform.String()
	}
	return key
}
