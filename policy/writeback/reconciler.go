package writeback

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/writeback/gitrepo"
)

// EventRecorder records Kubernetes events (k8s.io/client-go/tools/events).
type EventRecorder interface {
	Eventf(regarding, related runtime.Object, eventtype, reason, action, note string, args ...any)
}

// Options configure a Reconciler. Client, APIReader, Events, Registerer,
// Metadata and CacheDir are required.
type Options struct {
	// Client reads ImagePolicies (from the manager's cache, through the
	// TargetIndex) and patches their status.
	Client client.Client
	// APIReader reads credentials Secrets, and policies again after a
	// conflicting status write.
	APIReader client.Reader
	// Events records events on policies.
	Events EventRecorder
	// Registerer takes the write-back metrics.
	Registerer prometheus.Registerer
	// Metadata watches Secrets by their metadata (the manager's one
	// *metawatch.Cache, shared with the scanner), so that a fixed Git
	// Secret retries its failing targets at once.
	Metadata MetadataWatch
	// CacheDir holds one bare clone per target; a writable folder such as
	// one under the manager's temporary directory.
	CacheDir string
	// Debounce is how long a change waits for others of its target, so that
	// policies changing in one scan cycle make one commit.
	Debounce time.Duration
	// Resync is how often a target is written again without a change, which
	// restores markers edited by hand and picks up new ones. Negative
	// disables it.
	Resync time.Duration
	// Timeout bounds one cycle: fetch, edits, pushes and retries.
	Timeout time.Duration
	// MaxAttempts bounds the pushes of one cycle while others push to the
	// branch (gitrepo.DefaultMaxAttempts when 0).
	MaxAttempts int
	// Concurrency is how many targets are written at once.
	Concurrency int
	// CacheMaxBytes is the disk budget of CacheDir (see
	// gitrepo.Options.CacheMaxBytes); 0 means none.
	CacheMaxBytes int64
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// sweepInterval is how often clones of targets without policies are
// looked for, besides when a target loses its last policy.
const sweepInterval = 10 * time.Minute

// Defaults of Options.
const (
	DefaultDebounce    = 10 * time.Second
	DefaultResync      = 10 * time.Minute
	DefaultTimeout     = 2 * time.Minute
	DefaultConcurrency = 2
)

// Reconciler writes the images of ImagePolicies back to Git, one target
// (repository, branch, credentials) per reconcile.
type Reconciler struct {
	opts    Options
	writer  *gitrepo.Writer
	metrics *metrics
	secrets *secretWatch
}

// New returns a Reconciler; SetupWithManager starts it.
func New(o Options) (*Reconciler, error) {
	if o.Client == nil || o.APIReader == nil || o.Events == nil || o.Registerer == nil || o.Metadata == nil || o.CacheDir == "" {
		return nil, errors.New("writeback: Client, APIReader, Events, Registerer, Metadata and CacheDir are required")
	}
	setDefaults(&o)
	w, err := gitrepo.New(gitrepo.Options{CacheDir: o.CacheDir, MaxAttempts: o.MaxAttempts, Registerer: o.Registerer, Now: o.Now,
		CacheMaxBytes: o.CacheMaxBytes})
	if err != nil {
		return nil, fmt.Errorf("writeback: %w", err)
	}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	return &Reconciler{opts: o, writer: w, metrics: m, secrets: newSecretWatch()}, nil
}

func setDefaults(o *Options) {
	if o.Debounce == 0 {
		o.Debounce = DefaultDebounce
	}
	if o.Resync == 0 {
		o.Resync = DefaultResync
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// SetupWithManager registers the TargetIndex, the controller with its
// watches of policies and of the metadata of Secrets, and the sweeper of
// unused clones; the controller and the sweeper run on the elected leader
// only.
func (r *Reconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	if err := IndexTargets(ctx, mgr.GetFieldIndexer()); err != nil {
		return fmt.Errorf("index write-back targets: %w", err)
	}
	if err := mgr.Add(sweeper{r: r, cache: mgr.GetCache(), interval: sweepInterval}); err != nil {
		return fmt.Errorf("write-back sweeper: %w", err)
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("imagepolicy-writeback").
		Watches(&v1alpha1.ImagePolicy{}, debounced{delay: r.opts.Debounce}).
		WatchesRawSource(r.opts.Metadata.Source("Secret", r.secrets.handler())).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.opts.Concurrency}).
		Complete(r)
}
