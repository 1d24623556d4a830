package writeback_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/imagepin/imagepin/internal/metawatch"
	"github.com/imagepin/imagepin/internal/testenv/promtest"
	"github.com/imagepin/imagepin/policy/writeback"
)

// controller is a running test manager with the write-back controller.
type controller struct {
	registry *prometheus.Registry
	cacheDir string // the clones
	stop     func()
}

// setup adds more controllers (the scanner) to the test manager, with the
// metadata cache that write-back watches Secrets in.
type setup func(ctrl.Manager, *prometheus.Registry, *metawatch.Cache) error

// startWriteBack runs a manager with the write-back controller for the
// policies of ns until the test ends or stop is called.
func startWriteBack(t *testing.T, ns string, more ...setup) *controller {
	t.Helper()
	return startWriteBackDebounced(t, ns, time.Second, more...)
}

// startWriteBackDebounced is startWriteBack with another debounce.
func startWriteBackDebounced(t *testing.T, ns string, debounce time.Duration, more ...setup) *controller {
	t.Helper()
	mgr, err := ctrl.NewManager(cp.Config, ctrl.Options{
		Scheme:     scheme,
		Metrics:    metricsserver.Options{BindAddress: "0"},
		Cache:      cache.Options{DefaultNamespaces: map[string]cache.Config{ns: {}}},
		Controller: config.Controller{SkipNameValidation: ptr(true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	c := &controller{registry: prometheus.NewRegistry(), cacheDir: t.TempDir()}
	meta, err := metawatch.NewCache(mgr)
	if err != nil {
		t.Fatal(err)
	}
	r, err := writeback.New(writeback.Options{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Events: mgr.GetEventRecorder("imagepin-writeback"),
		Registerer: c.registry, Metadata: meta, CacheDir: c.cacheDir, Debounce: debounce, Resync: -1, Timeout: 20 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := r.SetupWithManager(ctx, mgr); err != nil {
		t.Fatal(err)
	}
	for _, s := range more {
		if err := s(mgr, c.registry, meta); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	stopped := false
	c.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	}
	t.Cleanup(c.stop)
	return c
}

// cycles returns how many write-back cycles ended with result.
func (c *controller) cycles(t *testing.T, result string) int {
	t.Helper()
	return int(promtest.Value(t, c.registry, "imagepin_writeback_commits_total", map[string]string{"result": result}))
}

func ptr[T any](v T) *T { return &v }
