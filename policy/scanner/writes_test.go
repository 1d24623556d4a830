package scanner_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/internal/testenv/promtest"
	"github.com/imagepin/imagepin/internal/testenv/registry"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// TestUnchangedScansWriteNothing scans a policy every second: once current
// is decided, scans that find nothing new write nothing, and a new tag is
// written at once.
func TestUnchangedScansWriteNothing(t *testing.T) {
	ns, reg := namespace(t), registry.NewInProcess(t)
	d := reg.Push(t, "team/app", "1.0.0")
	var writes atomic.Int32
	metrics := prometheus.NewRegistry()
	startScanner(t, ns, newResolver(t), scannerOpts{client: countStatusWrites(&writes), metrics: metrics})
	p := semverPolicy(ns, "app", reg.Repo("team/app"), "^1")
	if err := cl.Create(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, "current 1.0.0", currentIs("1.0.0", d["1.0.0"], v1alpha1.SourceScan))
	waitScans(t, metrics, scans(t, metrics)+2) // a scan that read the cache before the first write may write once more
	before, from := writes.Load(), scans(t, metrics)
	waitScans(t, metrics, from+4)
	if n := writes.Load() - before; n != 0 {
		t.Errorf("4 scans that found nothing new wrote the status %d times, want none", n)
	}
	if before == 0 {
		t.Error("no status write counted for the first scan: the counter counts nothing")
	}

	d["1.1.0"] = reg.Push(t, "team/app", "1.1.0")["1.1.0"]
	waitFor(t, p, "current 1.1.0 after a push", currentIs("1.1.0", d["1.1.0"], v1alpha1.SourceScan))
	if writes.Load() == before {
		t.Error("current moved without a counted status write")
	}
}

// TestStatusRefresh keeps scanning an unchanged policy with a short refresh
// interval: status.lastScan still moves, yet not every scan writes.
func TestStatusRefresh(t *testing.T) {
	ns, reg := namespace(t), registry.NewInProcess(t)
	d := reg.Push(t, "team/app", "1.0.0")
	var writes atomic.Int32
	metrics := prometheus.NewRegistry()
	startScanner(t, ns, newResolver(t), scannerOpts{client: countStatusWrites(&writes), metrics: metrics, statusRefresh: 4 * time.Second})
	p := semverPolicy(ns, "app", reg.Repo("team/app"), "^1")
	if err := cl.Create(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, "current 1.0.0", currentIs("1.0.0", d["1.0.0"], v1alpha1.SourceScan))
	// Count from one refresh to the next: the first write's scans (one that
	// read the cache before it may write once more) are behind by then.
	refreshed := func() {
		t.Helper()
		last := p.Status.LastScan.Time
		waitWithin(t, p, "lastScan refreshed", 30*time.Second, func(p *v1alpha1.ImagePolicy) bool {
			return p.Status.LastScan.Time.After(last.Time)
		})
	}
	refreshed()
	w, s := writes.Load(), scans(t, metrics)
	refreshed()
	dw, ds := writes.Load()-w, scans(t, metrics)-s
	if dw == 0 || int(dw) >= ds {
		t.Errorf("%d status writes in %d scans from one refresh of lastScan to the next, want at least one and fewer than the scans", dw, ds)
	}
}

// countStatusWrites wraps a client so that n counts its status writes.
func countStatusWrites(n *atomic.Int32) func(client.Client) client.Client {
	return func(c client.Client) client.Client { return statusCounter{Client: c, n: n} }
}

type statusCounter struct {
	client.Client
	n *atomic.Int32
}

func (c statusCounter) Status() client.SubResourceWriter {
	return countingWriter{SubResourceWriter: c.Client.Status(), n: c.n}
}

type countingWriter struct {
	client.SubResourceWriter
	n *atomic.Int32
}

func (w countingWriter) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	w.n.Add(1)
	return w.SubResourceWriter.Patch(ctx, obj, patch, opts...)
}

func (w countingWriter) Update(ctx context.Context, obj client.Object, opts ...client.SubResourceUpdateOption) error {
	w.n.Add(1)
	return w.SubResourceWriter.Update(ctx, obj, opts...)
}

// scans reads imagepin_scans_total, all results together, from metrics.
func scans(t *testing.T, metrics *prometheus.Registry) int {
	t.Helper()
	return int(promtest.Sum(t, metrics, "imagepin_scans_total"))
}

// waitScans waits until the scanner has scanned n times in all.
func waitScans(t *testing.T, metrics *prometheus.Registry, n int) {
	t.Helper()
	err := wait.PollUntilContextTimeout(t.Context(), 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return scans(t, metrics) >= n, nil
	})
	if err != nil {
		t.Fatal(fmt.Errorf("waiting for %d scans (at %d): %w", n, scans(t, metrics), err))
	}
}
