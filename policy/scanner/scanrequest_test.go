package scanner_test

import (
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/internal/testenv/registry"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/scanrequest"
)

// TestScanRequest asks for scans through the annotation, with schedules and
// a share window of an hour: a request is scanned at once and afresh (it
// sees a tag pushed after the last listing), the policies that carry the
// same request share one listing, a handled request is not scanned again
// by a new scanner, and a value too long for the status is handled too.
func TestScanRequest(t *testing.T) {
	ns, reg := namespace(t), registry.NewInProcess(t)
	d := reg.Push(t, "team/app", "1.0.0")
	stop := startScanner(t, ns, newResolver(t), scannerOpts{shareWindow: time.Hour})
	a, b := hourlyPolicy(ns, "a", reg.Repo("team/app")), hourlyPolicy(ns, "b", reg.Repo("team/app"))
	for _, p := range []*v1alpha1.ImagePolicy{a, b} {
		if err := cl.Create(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		waitFor(t, p, "current 1.0.0", currentIs("1.0.0", d["1.0.0"], v1alpha1.SourceScan))
	}

	d["1.1.0"] = reg.Push(t, "team/app", "1.1.0")["1.1.0"]
	lists := reg.Listings.Load()
	value := scanrequest.NewValue(time.Now())
	for _, p := range []*v1alpha1.ImagePolicy{a, b} {
		request(t, p, value)
	}
	for _, p := range []*v1alpha1.ImagePolicy{a, b} {
		waitFor(t, p, "1.1.0 after the request", currentIs("1.1.0", d["1.1.0"], v1alpha1.SourceScan))
		waitFor(t, p, "the request recorded", func(p *v1alpha1.ImagePolicy) bool { return scanrequest.Handled(p, value) })
	}
	if n := reg.Listings.Load() - lists; n != 1 {
		t.Errorf("two policies with one request listed tags %d times, want once", n)
	}

	// A new scanner (its own, empty share window) must find nothing due.
	stop()
	scanned, lists := a.Status.LastScan.Time, reg.Listings.Load()
	startScanner(t, ns, newResolver(t), scannerOpts{shareWindow: time.Hour})
	time.Sleep(3 * time.Second)
	if err := cl.Get(t.Context(), client.ObjectKeyFromObject(a), a); err != nil {
		t.Fatal(err)
	}
	if !a.Status.LastScan.Time.Equal(&scanned) || reg.Listings.Load() != lists {
		t.Errorf("a handled request was scanned again: last scan %v → %v, %d more listings",
			scanned, a.Status.LastScan.Time, reg.Listings.Load()-lists)
	}

	long := strings.Repeat("x", 300)
	request(t, a, long)
	waitFor(t, a, "a 300-character request handled", func(p *v1alpha1.ImagePolicy) bool {
		return scanrequest.Handled(p, long) && p.Status.LastScan.Time.After(scanned.Time)
	})
	if _, pending := scanrequest.Pending(a); pending || len(a.Status.LastHandledScanAt) > 256 {
		t.Errorf("lastHandledScanAt = %q, want the request handled within 256 characters", a.Status.LastHandledScanAt)
	}
}

func hourlyPolicy(ns, name, image string) *v1alpha1.ImagePolicy {
	p := semverPolicy(ns, name, image, "^1")
	p.Spec.Schedule = "@every 1h"
	return p
}

func request(t *testing.T, p *v1alpha1.ImagePolicy, value string) {
	t.Helper()
	if err := scanrequest.Request(t.Context(), cl, client.ObjectKeyFromObject(p), value); err != nil {
		t.Fatal(err)
	}
}
