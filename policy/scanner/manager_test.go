package scanner_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/imagepin/imagepin/internal/metawatch"
	"github.com/imagepin/imagepin/internal/testenv"
	"github.com/imagepin/imagepin/policy/scan"
	"github.com/imagepin/imagepin/policy/scanner"
)

// scannerOpts tunes a test scanner: short windows so tests run in seconds.
type scannerOpts struct {
	leaderElection bool
	shareWindow    time.Duration
	jitter         time.Duration
	concurrency    int
	scanTimeout    time.Duration
	firstBackoff   time.Duration // 1s unless set
	maxBackoff     time.Duration // 1s unless set
	statusRefresh  time.Duration
	startSpread    time.Duration
	// client wraps the manager's client, e.g. to count status writes.
	client func(client.Client) client.Client
	// metrics takes the scanner's metrics; a registry of its own unless set.
	metrics *prometheus.Registry
}

// startScanner runs a manager with the scanner for policies of ns until the
// test ends or stop is called.
func startScanner(t *testing.T, ns string, reg scan.Registry, o scannerOpts) (stop func()) {
	t.Helper()
	if o.shareWindow == 0 {
		o.shareWindow = 300 * time.Millisecond
	}
	if o.jitter == 0 {
		o.jitter = 50 * time.Millisecond
	}
	if o.firstBackoff == 0 {
		o.firstBackoff = time.Second
	}
	if o.maxBackoff == 0 {
		o.maxBackoff = time.Second
	}
	mgr, err := ctrl.NewManager(cp.Config, ctrl.Options{
		Scheme:                        scheme,
		Metrics:                       metricsserver.Options{BindAddress: "0"},
		Cache:                         cache.Options{DefaultNamespaces: map[string]cache.Config{ns: {}}},
		LeaderElection:                o.leaderElection,
		LeaderElectionID:              "imagepin-scanner-" + ns,
		LeaderElectionNamespace:       ns,
		LeaderElectionReleaseOnCancel: true,
		LeaseDuration:                 ptr(3 * time.Second),
		RenewDeadline:                 ptr(2 * time.Second),
		RetryPeriod:                   ptr(200 * time.Millisecond),
		Controller:                    ctrlConfig(),
	})
	if err != nil {
		t.Fatal(err)
	}
	cl := mgr.GetClient()
	if o.client != nil {
		cl = o.client(cl)
	}
	if o.metrics == nil {
		o.metrics = prometheus.NewRegistry()
	}
	meta, err := metawatch.NewCache(mgr)
	if err != nil {
		t.Fatal(err)
	}
	r, err := scanner.New(scanner.Options{
		Client: cl, APIReader: mgr.GetAPIReader(), Registry: reg,
		Events: mgr.GetEventRecorder("imagepin-scanner"), Registerer: o.metrics, Metadata: meta,
		ShareWindow: o.shareWindow, MaxJitter: o.jitter, FirstBackoff: o.firstBackoff, MaxBackoff: o.maxBackoff,
		Concurrency: o.concurrency, ScanTimeout: o.scanTimeout, StatusRefresh: o.statusRefresh, StartSpread: o.startSpread,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.SetupWithManager(t.Context(), mgr); err != nil {
		t.Fatal(err)
	}
	return testenv.Run(t, "manager", mgr.Start)
}

func ptr[T any](v T) *T { return &v }

// ctrlConfig lets several test managers in one process run a controller of
// the same name.
func ctrlConfig() config.Controller {
	return config.Controller{SkipNameValidation: ptr(true)}
}
