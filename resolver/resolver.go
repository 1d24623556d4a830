package resolver

import (
	"context"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Resolver lists tags and resolves tags to digests. Build one at start-up
// and share it: it holds the transports, tokens, limits and caches that make
// repeated calls cheap. It is safe for concurrent use.
type Resolver struct {
	opts       *options
	metrics    *metrics
	transports *transports
	digests    *lru[v1.Hash] // tag → digest, with TTL, for CachedDigest
	platforms  *lru[v1.Hash] // manifest digest + platform → digest, immutable
	lookups    flight[v1.Hash]
	slots      *lookupLimits // of lookups
}

// New returns a Resolver configured by opts.
func New(opts ...Option) (*Resolver, error) {
	o, err := makeOptions(opts...)
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(o.registerer)
	if err != nil {
		return nil, err
	}
	return &Resolver{
		opts:       o,
		metrics:    m,
		transports: newTransports(o, m),
		digests:    newLRU[v1.Hash](o.cacheSize, o.cacheTTL),
		platforms:  newLRU[v1.Hash](o.cacheSize, 0),
		slots:      newLookupLimits(o.maxLookups, o.maxLookupsPerTenant),
	}, nil
}

// session is one call's view of a repository: its name (insecure-marked when
// the call allows HTTP) and its authenticated transport.
type session struct {
	repo name.Repository
	tr   http.RoundTripper
}

// session resolves a's credentials for repo and returns its transport.
func (r *Resolver) session(ctx context.Context, repo name.Repository, a Access) (*session, error) {
	repo = a.repository(repo)
	creds, err := a.resolve(ctx, repo)
	if err != nil {
		return nil, err
	}
	return r.sessionWith(ctx, repo, creds, a.CAPEM)
}

// sessionWith returns the session for repo with credentials already resolved.
func (r *Resolver) sessionWith(ctx context.Context, repo name.Repository, creds credentials, caPEM []byte) (*session, error) {
	tr, err := r.transports.authenticated(ctx, repo, creds, caPEM)
	if err != nil {
		return nil, err
	}
	return &session{repo: repo, tr: tr}, nil
}
