package receiver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/imagepin/imagepin/policy/scanrequest"
)

// Options configure a Receiver. Addr, Tokens, Policies, Patcher and
// Registerer are required.
type Options struct {
	// Addr is the address to listen on, e.g. ":9292".
	Addr string
	// Tokens checks the token in the path (a *SecretToken).
	Tokens TokenSource
	// Policies lists ImagePolicies of every namespace (the manager's cache).
	Policies client.Reader
	// RepositoryIndex is a field index of Policies by normalised
	// spec.image; without one, every policy is listed and compared.
	RepositoryIndex string
	// Patcher writes the scan-request annotation.
	Patcher scanrequest.Patcher
	// Registerer takes the receiver's metrics.
	Registerer prometheus.Registerer
	// Quiet is how long a repository must go without pushes before its
	// scan; MaxWait bounds that wait for a repository pushed continuously.
	Quiet, MaxWait time.Duration
	// MinInterval spaces the scans of one repository.
	MinInterval time.Duration
	// MaxRepositories bounds the repositories waiting at once.
	MaxRepositories int
	// ScanRate and ScanBurst limit scan requests (repositories) across all
	// repositories.
	ScanRate  rate.Limit
	ScanBurst int
	// RequestRate and RequestBurst limit authorised notifications.
	RequestRate  rate.Limit
	RequestBurst int
}

// Defaults of Options.
const (
	DefaultQuiet           = time.Second
	DefaultMaxWait         = 10 * time.Second
	DefaultMinInterval     = 5 * time.Second
	DefaultMaxRepositories = 10000
	DefaultScanRate        = rate.Limit(5)
	DefaultScanBurst       = 20
	DefaultRequestRate     = rate.Limit(100)
	DefaultRequestBurst    = 500
	shutdownTimeout        = 5 * time.Second
)

// Receiver serves registry notifications and requests the scans. It is a
// manager.Runnable that runs on every replica.
type Receiver struct {
	opts    Options
	handler *handler
	sched   *scheduler
	marker  *marker
}

// New returns a Receiver; add it to a manager, or call Start.
func New(o Options) (*Receiver, error) {
	if o.Addr == "" || o.Tokens == nil || o.Policies == nil || o.Patcher == nil || o.Registerer == nil {
		return nil, errors.New("receiver: Addr, Tokens, Policies, Patcher and Registerer are required")
	}
	setDefaults(&o)
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	sched := newScheduler(o.Quiet, o.MaxWait, o.MinInterval, o.MaxRepositories)
	return &Receiver{
		opts:    o,
		sched:   sched,
		handler: &handler{tokens: o.Tokens, sched: sched, limiter: rate.NewLimiter(o.RequestRate, o.RequestBurst), metrics: m, log: logr.Discard()},
		marker: &marker{reader: o.Policies, patcher: o.Patcher, index: o.RepositoryIndex,
			limiter: rate.NewLimiter(o.ScanRate, o.ScanBurst), metrics: m, log: logr.Discard()},
	}, nil
}

func setDefaults(o *Options) {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Quiet, DefaultQuiet)
	def(&o.MaxWait, DefaultMaxWait)
	def(&o.MinInterval, DefaultMinInterval)
	if o.MaxRepositories <= 0 {
		o.MaxRepositories = DefaultMaxRepositories
	}
	if o.ScanRate <= 0 || o.ScanBurst <= 0 {
		o.ScanRate, o.ScanBurst = DefaultScanRate, DefaultScanBurst
	}
	if o.RequestRate <= 0 || o.RequestBurst <= 0 {
		o.RequestRate, o.RequestBurst = DefaultRequestRate, DefaultRequestBurst
	}
}

// NeedLeaderElection implements manager.LeaderElectionRunnable: every
// replica receives, since a Service spreads notifications over all.
func (r *Receiver) NeedLeaderElection() bool { return false }

// Start implements manager.Runnable: it serves Addr and requests scans
// until ctx ends.
func (r *Receiver) Start(ctx context.Context) error {
	log := logf.FromContext(ctx).WithName("receiver")
	r.handler.log, r.marker.log = log, log
	ln, err := net.Listen("tcp", r.opts.Addr)
	if err != nil {
		return fmt.Errorf("receiver: listen on %s: %w", r.opts.Addr, err)
	}
	srv := &http.Server{Handler: r.handler, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 90 * time.Second, MaxHeaderBytes: 64 << 10}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { r.sched.run(runCtx, r.marker.request) })
	log.Info("serving registry notifications", "address", ln.Addr().String(), "path", EventsPath+"<token>")
	select {
	case <-ctx.Done():
	case err = <-served:
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if serr := srv.Shutdown(shutdown); serr != nil && err == nil {
		err = serr
	}
	stop()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Handler returns the HTTP handler of EventsPath, for tests and for
// serving it elsewhere.
func (r *Receiver) Handler() http.Handler { return r.handler }
