package scanner_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/internal/testenv/registry"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/scanner"
)

// TestRestartSpreadsOverdueScans starts a scanner on policies that a
// previous scanner decided and whose nextScanAt has passed, as a restart
// finds nearly every policy of a fleet: their first scans spread over the
// start spread instead of all coming at once.
func TestRestartSpreadsOverdueScans(t *testing.T) {
	const policies, spread = 30, 12 * time.Second
	ns, reg := namespace(t), registry.NewInProcess(t)
	d := map[string]string{}
	for i := range policies {
		d[fmt.Sprint(i)] = reg.Push(t, fmt.Sprintf("team/app%02d", i), "1.0.0")["1.0.0"]
	}
	stop := startScanner(t, ns, newResolver(t), scannerOpts{})
	var all []*v1alpha1.ImagePolicy
	for i := range policies {
		p := semverPolicy(ns, fmt.Sprintf("app-%02d", i), reg.Repo(fmt.Sprintf("team/app%02d", i)), "^1")
		p.Spec.Schedule = "@hourly"
		if err := cl.Create(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		all = append(all, p)
	}
	for i, p := range all {
		waitFor(t, p, "current 1.0.0", currentIs("1.0.0", d[fmt.Sprint(i)], v1alpha1.SourceScan))
	}
	stop()
	overdue := metav1.NewTime(time.Now().Add(-time.Minute))
	for _, p := range all {
		p.Status.NextScanAt = &overdue
		if err := cl.Status().Update(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	}

	// Every scan writes lastScan (whole seconds), which tells when it was.
	start := time.Now().Truncate(time.Second)
	startScanner(t, ns, newResolver(t), scannerOpts{startSpread: spread, statusRefresh: scanner.EveryScan})
	offsets := waitAllScannedSince(t, ns, policies, start.Add(-time.Nanosecond))
	slices.Sort(offsets)
	t.Logf("first scans after the start, in seconds: %v", offsets)
	if last := offsets[len(offsets)-1]; last < spread/2 || last > spread+3*time.Second {
		t.Errorf("last first scan %s after the start, want between %s and %s", last, spread/2, spread+3*time.Second)
	}
	if atOnce := countBefore(offsets, 2*time.Second); atOnce > policies/2 {
		t.Errorf("%d of %d first scans within a second of the start, want them spread over %s", atOnce, policies, spread)
	}
}

// waitAllScannedSince waits until n policies of ns have a last scan after
// since and returns how long after since each was.
func waitAllScannedSince(t *testing.T, ns string, n int, since time.Time) []time.Duration {
	t.Helper()
	var offsets []time.Duration
	err := wait.PollUntilContextTimeout(t.Context(), 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		var list v1alpha1.ImagePolicyList
		if err := cl.List(ctx, &list, client.InNamespace(ns)); err != nil {
			return false, err
		}
		offsets = offsets[:0]
		for _, p := range list.Items {
			if s := p.Status.LastScan; s != nil && s.Time.After(since) {
				offsets = append(offsets, s.Time.Sub(since).Round(time.Second))
			}
		}
		return len(offsets) == n, nil
	})
	if err != nil {
		t.Fatalf("%d of %d policies scanned since %v: %v", len(offsets), n, since, err)
	}
	return offsets
}

func countBefore(sorted []time.Duration, d time.Duration) int {
	n := 0
	for _, o := range sorted {
		if o < d {
			n++
		}
	}
	return n
}
