package scanner

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/imagepin/imagepin/resolver"
)

// slowRegistry answers after a pause and counts what it was asked.
type slowRegistry struct {
	lists, digests atomic.Int32
	fail           atomic.Bool
}

func (s *slowRegistry) ListTags(ctx context.Context, repo name.Repository, a resolver.Access) ([]string, error) {
	s.lists.Add(1)
	time.Sleep(20 * time.Millisecond) // let concurrent callers pile up
	if s.fail.Load() {
		return nil, errors.New("down")
	}
	return []string{"1.0.0"}, nil
}

func (s *slowRegistry) Digest(ctx context.Context, ref name.Reference, p *v1.Platform, a resolver.Access) (v1.Hash, error) {
	s.digests.Add(1)
	return v1.Hash{Algorithm: "sha256", Hex: "00"}, nil
}

// fakeClock returns a clock that stands still until advanced.
func fakeClock() (now func() time.Time, advance func(time.Duration)) {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now = func() time.Time { mu.Lock(); defer mu.Unlock(); return t }
	advance = func(d time.Duration) { mu.Lock(); t = t.Add(d); mu.Unlock() }
	return now, advance
}

func TestSharedWithinWindow(t *testing.T) {
	clock, advance := fakeClock()
	reg := &slowRegistry{}
	s := newShared(reg, 30*time.Second, clock)
	repo, _ := name.NewRepository("example.com/app")

	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := s.view("alice", freshness{}).ListTags(t.Context(), repo, resolver.Access{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	s.view("alice", freshness{}).Digest(t.Context(), repo.Tag("1.0.0"), nil, resolver.Access{})
	s.view("alice", freshness{}).Digest(t.Context(), repo.Tag("1.0.0"), nil, resolver.Access{})
	if reg.lists.Load() != 1 || reg.digests.Load() != 1 {
		t.Fatalf("20 concurrent listings and 2 digests cost %d and %d calls, want 1 and 1", reg.lists.Load(), reg.digests.Load())
	}
	if _, err := s.view("bob", freshness{}).ListTags(t.Context(), repo, resolver.Access{}); err != nil || reg.lists.Load() != 2 {
		t.Errorf("other credentials shared a listing: %d calls, err %v", reg.lists.Load(), err)
	}
	advance(31 * time.Second)
	reg.fail.Store(true)
	if _, err := s.view("alice", freshness{}).ListTags(t.Context(), repo, resolver.Access{}); err == nil || reg.lists.Load() != 3 {
		t.Errorf("after the window: %d calls, err %v; want a new call that fails", reg.lists.Load(), err)
	}
	reg.fail.Store(false)
	if _, err := s.view("alice", freshness{}).ListTags(t.Context(), repo, resolver.Access{}); err != nil || reg.lists.Load() != 4 {
		t.Errorf("a failure was kept: %d calls, err %v", reg.lists.Load(), err)
	}
}

// TestSharedSince: a scan that needs answers from after some moment takes
// neither an older answer nor an older fetch in flight, while scans that
// need nothing newer still share them.
func TestSharedSince(t *testing.T) {
	clock, advance := fakeClock()
	reg := &slowRegistry{}
	s := newShared(reg, 30*time.Second, clock)
	repo, _ := name.NewRepository("example.com/app")
	list := func(f freshness) {
		t.Helper()
		if _, err := s.view("alice", f).ListTags(t.Context(), repo, resolver.Access{}); err != nil {
			t.Fatal(err)
		}
	}

	list(freshness{})
	seen := clock()
	advance(time.Second)
	list(freshness{since: seen})                  // fetched when seen: fresh enough
	list(freshness{since: seen.Add(time.Second)}) // a spec seen after that fetch
	if n := reg.lists.Load(); n != 2 {
		t.Fatalf("listings = %d, want 2: one shared, one fresh", n)
	}
	list(freshness{}) // scheduled scans take the newest answer
	if n := reg.lists.Load(); n != 2 {
		t.Errorf("a scheduled scan listed again: %d listings", n)
	}

	// A fetch in flight since before a spec was seen is not joined.
	reg.lists.Store(0)
	advance(time.Minute)
	var wg sync.WaitGroup
	wg.Go(func() { list(freshness{}) })
	for reg.lists.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	advance(time.Second)
	list(freshness{since: clock()})
	wg.Wait()
	if n := reg.lists.Load(); n != 2 {
		t.Errorf("listings = %d, want 2: the older fetch in flight is not fresh enough", n)
	}
}

// TestSharedRequestRenewsWindow: a listing fetched for a scan request serves
// the scheduled scans after it.
func TestSharedRequestRenewsWindow(t *testing.T) {
	clock, advance := fakeClock()
	reg := &slowRegistry{}
	s := newShared(reg, 30*time.Second, clock)
	repo, _ := name.NewRepository("example.com/app")
	for _, f := range []freshness{{request: "push-1"}, {request: "push-1"}, {}} {
		if _, err := s.view("alice", f).ListTags(t.Context(), repo, resolver.Access{}); err != nil {
			t.Fatal(err)
		}
		advance(time.Second)
	}
	if n := reg.lists.Load(); n != 1 {
		t.Errorf("listings = %d, want 1: one per request, reused by the scheduled scan", n)
	}
}

// TestSharedSinceDue: the scans of a cycle that outlasts the window (a
// registry's rate limit, a large fleet) share the answers fetched since
// they were due; a scan due after an answer was fetched does not take it
// once the window has passed.
func TestSharedSinceDue(t *testing.T) {
	clock, advance := fakeClock()
	reg := &slowRegistry{}
	s := newShared(reg, 30*time.Second, clock)
	repo, _ := name.NewRepository("example.com/app")
	list := func(f freshness) {
		t.Helper()
		if _, err := s.view("alice", f).ListTags(t.Context(), repo, resolver.Access{}); err != nil {
			t.Fatal(err)
		}
	}
	due := clock()
	advance(10 * time.Second)
	list(freshness{due: due}) // the first scan of the cycle fetches
	for range 5 {             // the others come minutes later
		advance(time.Minute)
		list(freshness{due: due})
	}
	if n := reg.lists.Load(); n != 1 {
		t.Errorf("listings = %d in a cycle of 5 minutes, want 1", n)
	}
	list(freshness{due: clock()}) // the next cycle, due after the fetch
	list(freshness{})             // a scan without a due time, after the window
	if n := reg.lists.Load(); n != 2 {
		t.Errorf("listings = %d, want 2: a new cycle fetches afresh, then shares within the window", n)
	}
	advance(2 * time.Hour) // past minRetain: the answer goes at the next store
	list(freshness{due: due})
	if n := reg.lists.Load(); n != 3 {
		t.Errorf("listings = %d, want 3: answers older than an hour are not kept", n)
	}
}
