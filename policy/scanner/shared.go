package scanner

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/imagepin/imagepin/policy/scan"
	"github.com/imagepin/imagepin/resolver"
)

// shared lets the policies of one scan cycle share registry answers: within
// window, or since the scan was due (see freshness), one tag listing per
// repository and one digest lookup per tag, for policies whose credentials
// are identical. Policies with different credentials never see each
// other's answers, since a registry may show them different things. An
// answer is dated by when its fetch started, so that a scan that needs
// answers from after some moment neither reuses nor joins an older fetch.
// Answers are kept for retain at least, however long the window, so that a
// long cycle finds those fetched since it began; there is one per
// repository and tag in use.
type shared struct {
	reg    scan.Registry
	window time.Duration
	retain time.Duration // how long answers are kept: the window, or longer
	now    func() time.Time

	mu    sync.Mutex
	items map[string]sharedItem
	calls map[string]*sharedCall
	swept time.Time
}

type sharedItem struct {
	at   time.Time // when its fetch started
	tags []string
	hash v1.Hash
}

// sharedCall is a fetch in flight; done closes when it and err are set.
type sharedCall struct {
	start time.Time
	done  chan struct{}
	it    sharedItem
	err   error
}

// minRetain is how long answers are kept at least, for scans due long
// before they run: a cycle of a large fleet behind a registry's rate limit.
const minRetain = time.Hour

func newShared(reg scan.Registry, window time.Duration, now func() time.Time) *shared {
	return &shared{reg: reg, window: window, retain: max(window, minRetain), now: now,
		items: map[string]sharedItem{}, calls: map[string]*sharedCall{}}
}

// view returns the registry a policy with this credentials identity scans
// through, with the freshness its scan needs. Policies that carry the same
// scan request (all those a push notification marked) share one fresh
// listing and one digest lookup per tag.
func (s *shared) view(identity string, f freshness) scan.Registry {
	return &sharedView{s: s, identity: identity, fresh: f}
}

type sharedView struct {
	s        *shared
	identity string
	fresh    freshness
}

// get is shared.get with the view's freshness. An answer fetched for a
// request is kept under key too: it renews the window for scans without one.
func (v *sharedView) get(ctx context.Context, key string, fetch func() (sharedItem, error)) (sharedItem, error) {
	if v.fresh.request == "" {
		return v.s.get(ctx, key, "", v.fresh, fetch)
	}
	return v.s.get(ctx, key+"|fresh|"+v.fresh.request, key, v.fresh, fetch)
}

// ListTags implements scan.Registry.
func (v *sharedView) ListTags(ctx context.Context, repo name.Repository, a resolver.Access) ([]string, error) {
	key := v.identity + "|list|" + repo.Name()
	it, err := v.get(ctx, key, func() (sharedItem, error) {
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
	it, err := v.get(ctx, key, func() (sharedItem, error) {
		h, err := v.s.reg.Digest(ctx, ref, platform, a)
		return sharedItem{hash: h}, err
	})
	return it.hash, err
}

// get returns the item under key if f allows it (see usable), joins a
// fetch in flight that started at or after f.since, or fetches the item and
// keeps it under key and alias (unless ""). A caller that joins returns
// when its own context ends. Errors are not kept: the next policy tries
// again.
func (s *shared) get(ctx context.Context, key, alias string, f freshness, fetch func() (sharedItem, error)) (sharedItem, error) {
	s.mu.Lock()
	if it, ok := s.items[key]; ok && s.usable(it, f) {
		s.mu.Unlock()
		return it, nil
	}
	if c, ok := s.calls[key]; ok && !c.start.Before(f.since) {
		s.mu.Unlock()
		return c.wait(ctx)
	}
	c := &sharedCall{start: s.now(), done: make(chan struct{})}
	s.calls[key] = c // a later fetch replaces an older one for joiners
	s.mu.Unlock()

	c.it, c.err = fetch()
	c.it.at = c.start
	s.mu.Lock()
	if s.calls[key] == c {
		delete(s.calls, key)
	}
	s.mu.Unlock()
	if c.err == nil {
		s.store(key, c.it)
		if alias != "" {
			s.store(alias, c.it)
		}
	}
	close(c.done)
	return c.it, c.err
}

// usable reports whether a scan with freshness f may take it: fetched at or
// after f.since, and within the window, or at or after f.due and within
// retain.
func (s *shared) usable(it sharedItem, f freshness) bool {
	if it.at.Before(f.since) {
		return false
	}
	age := s.now().Sub(it.at)
	return age < s.window || (!f.due.IsZero() && !it.at.Before(f.due) && age < s.retain)
}

// wait returns the call's result, or ctx's error if that comes first.
func (c *sharedCall) wait(ctx context.Context) (sharedItem, error) {
	select {
	case <-c.done:
		return c.it, c.err
	case <-ctx.Done():
		return sharedItem{}, ctx.Err()
	}
}

// store keeps it unless a newer answer is kept already, and drops what is
// older than retain, at most once a window.
func (s *shared) store(key string, it sharedItem) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.swept) >= s.window {
		for k, old := range s.items {
			if now.Sub(old.at) >= s.retain {
				delete(s.items, k)
			}
		}
		s.swept = now
	}
	if old, ok := s.items[key]; ok && old.at.After(it.at) {
		return
	}
	s.items[key] = it
}
