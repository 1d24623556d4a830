package scanner_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/internal/testenv/registry"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/scan"
	"github.com/imagepin/imagepin/policy/scanner"
	"github.com/imagepin/imagepin/resolver"
)

// TestRegistryWorkIsShared scans 50 policies over 5 repositories and counts
// at the registry: per cycle, one tag listing per repository and one
// manifest request per chosen tag, however many policies watch it.
func TestRegistryWorkIsShared(t *testing.T) {
	const repos, perRepo = 5, 10
	ns, reg := namespace(t), registry.NewInProcess(t)
	for r := range repos {
		reg.Push(t, fmt.Sprintf("team/app%d", r), "1.0.0", "1.1.0", "2.0.0")
	}
	// Enough workers that a cycle of 50 scans fits in the window on a busy
	// machine: this counts sharing, not throughput.
	// Every scan writes lastScan, by which the test tells the cycles apart.
	const window = 2 * time.Second
	startScanner(t, ns, newResolver(t), scannerOpts{shareWindow: window, concurrency: 10, statusRefresh: scanner.EveryScan})
	var policies []*v1alpha1.ImagePolicy
	for r := range repos {
		for i := range perRepo {
			p := semverPolicy(ns, fmt.Sprintf("app%d-%d", r, i), reg.Repo(fmt.Sprintf("team/app%d", r)), "^1")
			p.Spec.Schedule = "@every 4s"
			policies = append(policies, p)
		}
	}
	for _, p := range policies {
		if err := cl.Create(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	}
	since := time.Time{}
	for cycle := 1; cycle <= 2; cycle++ {
		lists, manifests := reg.Listings.Load(), reg.Manifests.Load()
		first, last := waitAllScannedAfter(t, ns, len(policies), since)
		since = last
		dl, dm := reg.Listings.Load()-lists, reg.Manifests.Load()-manifests
		// One listing and one manifest request per repository and window:
		// a cycle fits in one window unless the machine is very busy.
		most := repos * (1 + int(last.Sub(first)/window))
		t.Logf("cycle %d: %d tag listings, %d manifest requests for %d policies scanned within %v", cycle, dl, dm, len(policies), last.Sub(first))
		if int(dl) > most || int(dm) > most {
			t.Errorf("cycle %d: %d tag listings and %d manifest requests, want at most %d each", cycle, dl, dm, most)
		}
	}
}

// waitAllScannedAfter waits until every policy of ns has scanned after since
// and returns the times of the earliest and the latest of those scans.
func waitAllScannedAfter(t *testing.T, ns string, n int, since time.Time) (first, last time.Time) {
	t.Helper()
	err := wait.PollUntilContextTimeout(t.Context(), 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		var list v1alpha1.ImagePolicyList
		if err := cl.List(ctx, &list, client.InNamespace(ns)); err != nil {
			return false, err
		}
		done := 0
		first, last = time.Time{}, time.Time{}
		for _, p := range list.Items {
			if s := p.Status.LastScan; s != nil && s.Time.After(since) {
				done++
				last = maxTime(last, s.Time.Time)
				if first.IsZero() || s.Time.Time.Before(first) {
					first = s.Time.Time
				}
			}
		}
		return done == n, nil
	})
	if err != nil {
		t.Fatalf("waiting for %d policies to scan after %v: %v", n, since, err)
	}
	return first, last
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// countingRegistry counts the registry calls one scanner makes.
type countingRegistry struct {
	scan.Registry
	calls atomic.Int32
}

func (c *countingRegistry) ListTags(ctx context.Context, repo name.Repository, a resolver.Access) ([]string, error) {
	c.calls.Add(1)
	return c.Registry.ListTags(ctx, repo, a)
}

// TestLeaderElection runs two scanners: only the leader scans, and when it
// stops the other takes over.
func TestLeaderElection(t *testing.T) {
	ns, reg := namespace(t), registry.NewInProcess(t)
	d := reg.Push(t, "team/app", "1.0.0")
	a, b := &countingRegistry{Registry: newResolver(t)}, &countingRegistry{Registry: newResolver(t)}
	stopA := startScanner(t, ns, a, scannerOpts{leaderElection: true})
	waitLeaseHeld(t, ns) // A leads before B starts
	startScanner(t, ns, b, scannerOpts{leaderElection: true})
	p := semverPolicy(ns, "app", reg.Repo("team/app"), "^1")
	if err := cl.Create(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, "current 1.0.0", currentIs("1.0.0", d["1.0.0"], v1alpha1.SourceScan))
	if a.calls.Load() == 0 || b.calls.Load() != 0 {
		t.Fatalf("registry calls: leader %d, follower %d; want only the leader's", a.calls.Load(), b.calls.Load())
	}

	stopA()
	d["1.1.0"] = reg.Push(t, "team/app", "1.1.0")["1.1.0"]
	waitFor(t, p, "the other scanner to take over", currentIs("1.1.0", d["1.1.0"], v1alpha1.SourceScan))
	if b.calls.Load() == 0 {
		t.Errorf("the new leader made no registry calls")
	}
}

// waitLeaseHeld waits until a scanner of ns holds the leader-election lease.
func waitLeaseHeld(t *testing.T, ns string) {
	t.Helper()
	key := client.ObjectKey{Namespace: ns, Name: "imagepin-scanner-" + ns}
	err := wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		var lease coordinationv1.Lease
		if err := cl.Get(ctx, key, &lease); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		return lease.Spec.HolderIdentity != nil && *lease.Spec.HolderIdentity != "", nil
	})
	if err != nil {
		t.Fatalf("lease %s never held: %v", key, err)
	}
}
