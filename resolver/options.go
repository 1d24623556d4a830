package resolver

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// Defaults of New. They suit a scanner that lists a few hundred repositories
// every few minutes and a webhook that resolves images on Pod admission.
const (
	// DefaultCacheTTL is how long CachedDigest trusts a tag→digest answer.
	DefaultCacheTTL = 5 * time.Minute
	// DefaultCacheSize bounds the number of cached tag→digest answers.
	DefaultCacheSize = 10000
	// DefaultRateLimit is the steady request rate allowed per registry host.
	DefaultRateLimit = rate.Limit(20)
	// DefaultBurst is the burst allowed above DefaultRateLimit.
	DefaultBurst = 40
	// DefaultMaxInFlight bounds concurrent requests per registry host.
	DefaultMaxInFlight = 8
	// DefaultMaxAttempts is the number of tries of one request, first included.
	DefaultMaxAttempts = 4
	// DefaultInitialBackoff is the pause before the first retry.
	DefaultInitialBackoff = 500 * time.Millisecond
	// DefaultMaxBackoff caps a pause between tries; a longer Retry-After is
	// not waited for.
	DefaultMaxBackoff = 20 * time.Second
	// DefaultPageSize is the tag-list page size requested with ?n= (ECR's maximum).
	DefaultPageSize = 1000
	// DefaultSharedTimeout bounds work shared by several callers.
	DefaultSharedTimeout = 30 * time.Second
	// DefaultUserAgent is sent in front of go-containerregistry's own agent.
	DefaultUserAgent = "imagepin"
	// DefaultMaxHosts bounds the registry hosts whose rate limits are kept.
	DefaultMaxHosts = 1024
	// DefaultMaxRegistryLabels bounds the registry hosts named in the
	// registry label of imagepin_registry_requests_total.
	DefaultMaxRegistryLabels = 50
	// DefaultMaxLookups bounds the CachedDigest lookups in flight.
	DefaultMaxLookups = 128
	// DefaultMaxLookupsPerTenant bounds the CachedDigest lookups in flight
	// for one tenant (the webhook's namespace).
	DefaultMaxLookupsPerTenant = 32
)

// Option configures a Resolver.
type Option func(*options) error

type options struct {
	registerer     prometheus.Registerer
	cacheTTL       time.Duration
	cacheSize      int
	rateLimit      rate.Limit
	burst          int
	maxInFlight    int
	maxAttempts    int
	initialBackoff time.Duration
	maxBackoff     time.Duration
	pageSize       int
	sharedTimeout  time.Duration
	userAgent      string
	denied         []netip.Prefix

	maxHosts            int
	maxRegistryLabels   int
	maxLookups          int
	maxLookupsPerTenant int
}

// makeOptions applies opts over the defaults and checks the result.
func makeOptions(opts ...Option) (*options, error) {
	o := &options{
		cacheTTL:       DefaultCacheTTL,
		cacheSize:      DefaultCacheSize,
		rateLimit:      DefaultRateLimit,
		burst:          DefaultBurst,
		maxInFlight:    DefaultMaxInFlight,
		maxAttempts:    DefaultMaxAttempts,
		initialBackoff: DefaultInitialBackoff,
		maxBackoff:     DefaultMaxBackoff,
		pageSize:       DefaultPageSize,
		sharedTimeout:  DefaultSharedTimeout,
		userAgent:      DefaultUserAgent,

		maxHosts:            DefaultMaxHosts,
		maxRegistryLabels:   DefaultMaxRegistryLabels,
		maxLookups:          DefaultMaxLookups,
		maxLookupsPerTenant: DefaultMaxLookupsPerTenant,
	}
	for _, opt := range opts {
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	return o, o.check()
}

// check rejects option combinations that contradict each other.
func (o *options) check() error {
	if o.initialBackoff > o.maxBackoff {
		return fmt.Errorf("initial backoff %s exceeds maximum backoff %s", o.initialBackoff, o.maxBackoff)
	}
	if o.rateLimit != rate.Inf && o.burst < 1 {
		return errors.New("a finite rate limit needs a burst of at least 1")
	}
	return nil
}

// WithRegisterer registers the resolver's Prometheus collectors into reg,
// e.g. controller-runtime's metrics.Registry. Without it the collectors count
// but are not exported. Collectors already registered by another Resolver
// are shared.
func WithRegisterer(reg prometheus.Registerer) Option {
	return func(o *options) error {
		o.registerer = reg
		return nil
	}
}

// WithCache sets the TTL and the maximum number of entries of CachedDigest's
// tag→digest cache. A TTL of 0 disables caching; concurrent lookups of one
// tag are still de-duplicated.
func WithCache(ttl time.Duration, size int) Option {
	return func(o *options) error {
		if ttl < 0 || size < 1 {
			return fmt.Errorf("cache needs ttl >= 0 and size >= 1, got %s and %d", ttl, size)
		}
		o.cacheTTL, o.cacheSize = ttl, size
		return nil
	}
}

// WithRateLimit sets the request rate and burst allowed per registry host.
// rate.Inf disables the limit.
func WithRateLimit(limit rate.Limit, burst int) Option {
	return func(o *options) error {
		if limit <= 0 || burst < 0 {
			return fmt.Errorf("rate limit must be > 0 with burst >= 0, got %v and %d", limit, burst)
		}
		o.rateLimit, o.burst = limit, burst
		return nil
	}
}

// WithMaxInFlight bounds the requests in flight (until response headers
// arrive) per registry host.
func WithMaxInFlight(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("max in flight must be >= 1, got %d", n)
		}
		o.maxInFlight = n
		return nil
	}
}

// WithRetry sets the tries per request (first included) and the exponential
// backoff between them: initial, doubling, capped at max. A Retry-After
// longer than max is not waited for.
func WithRetry(attempts int, initial, max time.Duration) Option {
	return func(o *options) error {
		if attempts < 1 || initial < 0 || max < 0 {
			return fmt.Errorf("retry needs attempts >= 1 and non-negative backoffs, got %d, %s, %s", attempts, initial, max)
		}
		o.maxAttempts, o.initialBackoff, o.maxBackoff = attempts, initial, max
		return nil
	}
}

// WithPageSize sets the n= of tag-list requests; 0 omits it and lets the
// registry choose.
func WithPageSize(n int) Option {
	return func(o *options) error {
		if n < 0 {
			return fmt.Errorf("page size must be >= 0, got %d", n)
		}
		o.pageSize = n
		return nil
	}
}

// WithSharedTimeout bounds work that serves several callers and therefore
// runs detached from any one caller's context: the registry handshake of a
// repository and a de-duplicated CachedDigest lookup. Each caller still
// returns when its own context ends.
func WithSharedTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("shared timeout must be > 0, got %s", d)
		}
		o.sharedTimeout = d
		return nil
	}
}

// WithUserAgent sets the User-Agent product sent to registries.
func WithUserAgent(ua string) Option {
	return func(o *options) error {
		o.userAgent = ua
		return nil
	}
}

// WithDenyCIDRs adds networks the resolver never connects to, besides the
// link-local ones, which are always denied. It checks the address actually
// dialled, after DNS and for every connection (token servers and redirects
// included), so a name that resolves into a denied network is refused too.
func WithDenyCIDRs(prefixes ...netip.Prefix) Option {
	return func(o *options) error {
		for _, p := range prefixes {
			if !p.IsValid() {
				return fmt.Errorf("invalid network %v", p)
			}
		}
		o.denied = append(o.denied, prefixes...)
		return nil
	}
}

// WithMaxHosts bounds the registry hosts whose rate limit and in-flight
// bound are kept; the least recently used are forgotten beyond n.
func WithMaxHosts(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("max hosts must be >= 1, got %d", n)
		}
		o.maxHosts = n
		return nil
	}
}

// WithMaxRegistryLabels bounds the hosts that the registry label of
// imagepin_registry_requests_total names: the first n reached by ListTags
// or Digest (the scanner's calls, for policies). Requests to other hosts,
// those of images only Pods name included, count as OtherRegistry.
func WithMaxRegistryLabels(n int) Option {
	return func(o *options) error {
		if n < 0 {
			return fmt.Errorf("max registry labels must be >= 0, got %d", n)
		}
		o.maxRegistryLabels = n
		return nil
	}
}

// WithLookupLimits bounds the CachedDigest lookups that ask registries at
// once: global in all, perTenant for one tenant (ContextWithTenant).
func WithLookupLimits(global, perTenant int) Option {
	return func(o *options) error {
		if global < 1 || perTenant < 1 {
			return fmt.Errorf("lookup limits must be >= 1, got %d and %d", global, perTenant)
		}
		o.maxLookups, o.maxLookupsPerTenant = global, perTenant
		return nil
	}
}
