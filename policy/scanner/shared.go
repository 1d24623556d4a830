package scanner

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/singleflight"

	"github.com/imagepin/imagepin/policy/scan"
	"github.com/imagepin/imagepin/resolver"
)

// shared lets the policies of one scan cycle share registry answers: within
// window, one tag listing per repository and one digest lookup per tag, for
// policies whose credentials are identical. Policies with different
// credentials never see each other's answers, since a registry may show
// them different things.
type shared struct {
	reg    scan.Registry
	window time.Duration
	now    func() time.Time

	flight singleflight.Group
	mu     sync.Mutex
	items  map[string]sharedItem
	swept  time.Time
}

type sharedItem struct {
	at   time.Time
	tags []string
	hash v1.Hash
}

func newShared(reg scan.Registry, window time.Duration, now func() time.Time) *shared {
	return &shared{reg: reg, window: window, now: now, items: map[string]sharedItem{}}
}

// view returns the registry a policy with this credentials identity scans
// through. A non-empty fresh names a scan request: answers fetched before
// it are not used, so a scan asked for after a push sees that push; the
// policies that carry the same request (all those a push notification
// marked) still share one fresh listing and one digest lookup per tag.
func (s *shared) view(identity, fresh string) scan.Registry {
	return &sharedView{s: s, identity: identity, fresh: fresh}
}

type sharedView struct {
	s        *shared
	identity string
	fresh    string
}

// get is shared.get, within the view's request when it has one; a fresh
// answer also renews the window for scans without a request.
func (v *sharedView) get(key string, fetch func() (sharedItem, error)) (sharedItem, error) {
	if v.fresh == "" {
		return v.s.get(key, fetch)
	}
	return v.s.get(key+"|fresh|"+v.fresh, func() (sharedItem, error) {
		it, err := fetch()
		if err == nil {
			v.s.store(key, it)
		}
		return it, err
	})
}

// ListTags implements scan.Registry.
func (v *sharedView) ListTags(ctx context.Context, repo name.Repository, a resolver.Access) ([]string, error) {
	key := v.identity + "|list|" + repo.Name()
	it, err := v.get(key, func() (sharedItem, error) {
		tags, err := v.s.reg.ListTags(ctx, repo, a)
		return sharedItem{tags: tags}, err
	})
	return slices.Clone(it.tags), err
}

// Digest implements scan.Registry.
func (v *sharedView) Digest(ctx context.Context, ref name.Reference, platform *v1.Platform, a resolver.Access) (v1.Hash, error) {
	key := v.identity + "|digest|" + ref.Name()
	if platform != nil {
		key += "|" + platform.String()
	}
	it, err := v.get(key, func() (sharedItem, error) {
		h, err := v.s.reg.Digest(ctx, ref, platform, a)
		return sharedItem{hash: h}, err
	})
	return it.hash, err
}

// get returns the item under key from the window, or fetches it once for
// all concurrent callers. Errors are not kept: the next policy tries again.
func (s *shared) get(key string, fetch func() (sharedItem, error)) (sharedItem, error) {
	if it, ok := s.lookup(key); ok {
		return it, nil
	}
	v, err, _ := s.flight.Do(key, func() (any, error) {
		it, err := fetch()
		if err == nil {
			s.store(key, it)
		}
		return it, err
	})
	return v.(sharedItem), err
}

func (s *shared) lookup(key string) (sharedItem, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[key]
	return it, ok && s.now().Sub(it.at) < s.window
}

// store keeps it and drops what has left the window, at most once a window.
func (s *shared) store(key string, it sharedItem) {
	now := s.now()
	it.at = now
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.swept) >= s.window {
		for k, old := range s.items {
			if now.Sub(old.at) >= s.window {
				delete(s.items, k)
			}
		}
		s.swept = now
	}
	s.items[key] = it
}
