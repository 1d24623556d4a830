package webhook

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Defaults of NewPodHandler.
const (
	// DefaultResolveTimeout bounds the registry work of one admission. It is
	// half the webhook configuration's timeoutSeconds (10), leaving room for
	// queueing, the response and the API server's own overhead: the handler
	// always answers before the API server gives up on it, so a slow registry
	// becomes a warning or a clear denial, not a failurePolicy decision.
	DefaultResolveTimeout = 5 * time.Second
	// DefaultConcurrency bounds the registry lookups one Pod runs at once.
	DefaultConcurrency = 8
)

// Option configures a PodHandler.
type Option func(*options) error

type options struct {
	registerer     prometheus.Registerer
	resolveTimeout time.Duration
	concurrency    int
	apiReader      client.Reader
	pullSecrets    bool
	policies       PolicyLookup
	revisions      RevisionLookup
	registryCA     []byte
	secretReader   client.Reader
	secretTTL      time.Duration
}

// makeOptions applies opts over the defaults and checks the result.
func makeOptions(opts ...Option) (*options, error) {
	o := &options{resolveTimeout: DefaultResolveTimeout, concurrency: DefaultConcurrency, secretTTL: DefaultPullSecretTTL}
	for _, opt := range opts {
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	return o, o.check()
}

// check rejects option combinations that contradict each other.
func (o *options) check() error {
	if o.pullSecrets && o.apiReader == nil && o.secretReader == nil {
		return errors.New("reading imagePullSecrets needs an API reader (WithAPIReader or WithSecretReader)")
	}
	return nil
}

// WithRegisterer registers the handler's Prometheus collectors into reg,
// e.g. controller-runtime's metrics.Registry. Without it they count but are
// not exported.
func WithRegisterer(reg prometheus.Registerer) Option {
	return func(o *options) error {
		o.registerer = reg
		return nil
	}
}

// WithResolveTimeout sets the budget for the registry lookups of one
// admission. Keep it well below the webhook's timeoutSeconds.
func WithResolveTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("resolve timeout must be > 0, got %s", d)
		}
		o.resolveTimeout = d
		return nil
	}
}

// WithConcurrency bounds the registry lookups that one Pod runs at once.
func WithConcurrency(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("concurrency must be >= 1, got %d", n)
		}
		o.concurrency = n
		return nil
	}
}

// WithAPIReader gives the handler a reader that goes to the API server, not
// to the informer cache (the manager's GetAPIReader). It reads a Namespace
// that the cache has not seen yet and, unless WithSecretReader is given, the
// Secrets named by imagePullSecrets, which are too many and too sensitive
// to cache cluster-wide.
func WithAPIReader(r client.Reader) Option {
	return func(o *options) error {
		o.apiReader = r
		return nil
	}
}

// WithPullSecrets makes registry lookups use the credentials of the Pod's
// imagePullSecrets, as the kubelet will. It needs WithAPIReader or
// WithSecretReader.
func WithPullSecrets(enabled bool) Option {
	return func(o *options) error {
		o.pullSecrets = enabled
		return nil
	}
}

// WithPolicyLookup replaces the lookup of governing ImagePolicies, which by
// default reads the cache given to NewPodHandler through
// governing.IndexPolicies' index.
func WithPolicyLookup(p PolicyLookup) Option {
	return func(o *options) error {
		o.policies = p
		return nil
	}
}

// WithRevisionLookup replaces the lookup of the revision objects Pods
// belong to, which by default reads the cache given to NewPodHandler.
func WithRevisionLookup(r RevisionLookup) Option {
	return func(o *options) error {
		o.revisions = r
		return nil
	}
}

// WithRegistryCA adds PEM-encoded CA certificates trusted, besides the
// system's, when resolving images that no policy governs.
func WithRegistryCA(pem []byte) Option {
	return func(o *options) error {
		o.registryCA = pem
		return nil
	}
}

// WithSecretReader reads the Secrets named by imagePullSecrets through r
// instead of the API reader. Give it a client of its own, with its own
// client-side rate limit: a scale-up of hundreds of Pods must not wait
// behind the scanner's API requests, nor the scanner behind it.
func WithSecretReader(r client.Reader) Option {
	return func(o *options) error {
		o.secretReader = r
		return nil
	}
}

// WithPullSecretTTL sets how long a pull secret, once read, serves later
// admissions (DefaultPullSecretTTL); 0 reads it for every admission, though
// concurrent admissions still share one read.
func WithPullSecretTTL(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 {
			return fmt.Errorf("pull secret TTL must be >= 0, got %s", d)
		}
		o.secretTTL = d
		return nil
	}
}
