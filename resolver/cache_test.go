package resolver

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// slowHeads delays manifest HEADs so that concurrent callers overlap.
func slowHeads(d time.Duration) http.HandlerFunc {
	return func(_ http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead && strings.Contains(r.URL.Path, "/manifests/") {
			time.Sleep(d)
		}
	}
}

func TestCachedDigestDeduplicatesConcurrentLookups(t *testing.T) {
	f := newFront(t)
	repo := f.repo(t, "app")
	want := push(t, repo, nil, "1.0")
	f.reset()
	f.setFault(slowHeads(100 * time.Millisecond))
	r, _ := newResolver(t)

	const callers = 50
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Go(func() {
			got, err := r.CachedDigest(t.Context(), repo.Tag("1.0"), nil, Access{})
			if err == nil && got != want {
				err = errors.New("wrong digest " + got.String())
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if heads := f.count(http.MethodHead, "/manifests/"); heads != 1 {
		t.Errorf("HEAD requests = %d for %d concurrent lookups, want 1", heads, callers)
	}
	if pings := f.count(http.MethodGet, "/v2/"); pings != 1 {
		t.Errorf("pings = %d, want 1 (one shared handshake)", pings)
	}
	hits, misses := testutil.ToFloat64(r.metrics.cacheHits), testutil.ToFloat64(r.metrics.cacheMisses)
	if hits+misses != callers || misses < 1 {
		t.Errorf("hits, misses = %v, %v; want %d lookups, at least one miss", hits, misses, callers)
	}
}

func TestCachedDigestExpires(t *testing.T) {
	f := newFront(t)
	repo := f.repo(t, "app")
	first := push(t, repo, nil, "latest")
	f.reset()
	r, _ := newResolver(t, WithCache(time.Second, 10))
	lookup := func(want v1.Hash) {
		t.Helper()
		got, err := r.CachedDigest(t.Context(), repo.Tag("latest"), nil, Access{})
		if err != nil || got != want {
			t.Fatalf("CachedDigest = %s, %v; want %s", got, err, want)
		}
	}

	lookup(first)
	second := push(t, repo, nil, "latest") // the tag moves
	f.reset()
	lookup(first) // still cached
	if n := f.total(); n != 0 {
		t.Fatalf("requests = %d within the TTL, want 0", n)
	}
	time.Sleep(1100 * time.Millisecond)
	lookup(second)
	if heads := f.count(http.MethodHead, "/manifests/latest"); heads != 1 {
		t.Errorf("HEAD requests after the TTL = %d, want 1", heads)
	}
	if hits, misses := testutil.ToFloat64(r.metrics.cacheHits), testutil.ToFloat64(r.metrics.cacheMisses); hits != 1 || misses != 2 {
		t.Errorf("hits, misses = %v, %v; want 1, 2", hits, misses)
	}
}

func TestCachedDigestDisabled(t *testing.T) {
	f := newFront(t)
	repo := f.repo(t, "app")
	push(t, repo, nil, "1.0")
	f.reset()
	r, _ := newResolver(t, WithCache(0, 1))

	for range 3 {
		if _, err := r.CachedDigest(t.Context(), repo.Tag("1.0"), nil, Access{}); err != nil {
			t.Fatal(err)
		}
	}
	if heads := f.count(http.MethodHead, "/manifests/"); heads != 3 {
		t.Errorf("HEAD requests = %d, want 3", heads)
	}
}

func TestCachedDigestSurvivesFirstCallerGivingUp(t *testing.T) {
	f := newFront(t)
	repo := f.repo(t, "app")
	want := push(t, repo, nil, "1.0")
	f.reset()
	f.setFault(slowHeads(300 * time.Millisecond))
	r, _ := newResolver(t)

	impatient, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	done := make(chan error)
	go func() {
		_, err := r.CachedDigest(impatient, repo.Tag("1.0"), nil, Access{})
		done <- err
	}()
	time.Sleep(10 * time.Millisecond) // the impatient caller starts the lookup
	got, err := r.CachedDigest(t.Context(), repo.Tag("1.0"), nil, Access{})
	if err != nil || got != want {
		t.Fatalf("patient caller: CachedDigest = %s, %v; want %s", got, err, want)
	}
	if err := <-done; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("impatient caller: err = %v, want context.DeadlineExceeded", err)
	}
	if heads := f.count(http.MethodHead, "/manifests/"); heads != 1 {
		t.Errorf("HEAD requests = %d, want 1", heads)
	}
}

func TestCachedDigestKeysByCredentials(t *testing.T) {
	f := newFront(t)
	repo := f.repo(t, "app")
	push(t, repo, nil, "1.0")
	f.reset()
	r, _ := newResolver(t)
	alice := Access{Auth: &authn.Basic{Username: "alice", Password: "a"}, Insecure: true} // plain-HTTP front
	bob := Access{Auth: &authn.Basic{Username: "bob", Password: "b"}, Insecure: true}

	for _, a := range []Access{alice, bob, alice, bob, {}} {
		if _, err := r.CachedDigest(t.Context(), repo.Tag("1.0"), nil, a); err != nil {
			t.Fatal(err)
		}
	}
	if heads := f.count(http.MethodHead, "/manifests/"); heads != 3 {
		t.Errorf("HEAD requests = %d, want 3 (alice, bob, anonymous)", heads)
	}
}

func TestLRUEvictsLeastRecentlyUsed(t *testing.T) {
	c := newLRU[int](2, 0)
	c.add("a", 1)
	c.add("b", 2)
	c.get("a")
	c.add("c", 3)
	if _, ok := c.get("b"); ok {
		t.Error("b survived; it was the least recently used")
	}
	for _, k := range []string{"a", "c"} {
		if _, ok := c.get(k); !ok {
			t.Errorf("%s was evicted", k)
		}
	}
	if c.len() != 2 {
		t.Errorf("len = %d, want 2", c.len())
	}
}
