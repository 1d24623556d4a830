package receiver

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// maxAttempts bounds the retries of a repository whose policies could not
// all be asked to scan (API errors); each retry waits MinInterval.
const maxAttempts = 5

// errBusy refuses notifications while too many repositories wait.
var errBusy = errors.New("too many repositories waiting for a scan")

// scheduler debounces pushes per repository and spaces the scans of one
// repository: a repository is due Quiet after its last push (a burst of
// tags is one scan), at the latest MaxWait after the first push of a burst,
// and never sooner than MinInterval after its last scan. Pushes that arrive
// meanwhile are kept, never dropped: they make the next scan. The number of
// repositories it tracks is bounded.
type scheduler struct {
	quiet, maxWait, minInterval time.Duration
	maxRepos                    int

	mu    sync.Mutex
	repos map[string]*pending
	wake  chan struct{}
}

// pending is a repository's state: pushes waiting (first, last; zero when
// none) and when its policies were last asked to scan.
type pending struct {
	first, last time.Time
	requested   time.Time
	attempts    int
}

func newScheduler(quiet, maxWait, minInterval time.Duration, maxRepos int) *scheduler {
	return &scheduler{quiet: quiet, maxWait: maxWait, minInterval: minInterval, maxRepos: maxRepos,
		repos: map[string]*pending{}, wake: make(chan struct{}, 1)}
}

// add records a push of each repository, all or none.
func (s *scheduler) add(repos []string) error {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	fresh := 0
	for _, r := range repos {
		if s.repos[r] == nil {
			fresh++
		}
	}
	if len(s.repos)+fresh > s.maxRepos {
		s.sweep(now)
		if len(s.repos)+fresh > s.maxRepos {
			return errBusy
		}
	}
	for _, r := range repos {
		p := s.repos[r]
		if p == nil {
			p = &pending{}
			s.repos[r] = p
		}
		if p.first.IsZero() {
			p.first = now
		}
		p.last = now
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

// dueAt is when p's pushes make a scan request.
func (s *scheduler) dueAt(p *pending) time.Time {
	at := p.last.Add(s.quiet)
	if latest := p.first.Add(s.maxWait); latest.Before(at) {
		at = latest
	}
	if earliest := p.requested.Add(s.minInterval); !p.requested.IsZero() && at.Before(earliest) {
		at = earliest
	}
	return at
}

// take returns the repositories due at now, marking their pushes as taken,
// and when the next one is due (zero: none waits).
func (s *scheduler) take(now time.Time) (due []string, next time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for r, p := range s.repos {
		if p.first.IsZero() {
			continue
		}
		at := s.dueAt(p)
		switch {
		case !at.After(now):
			due = append(due, r)
			p.first, p.last = time.Time{}, time.Time{}
		case next.IsZero() || at.Before(next):
			next = at
		}
	}
	slices.Sort(due)
	return due, next
}

// done records the outcome of repo's scan request: how many policies were
// asked, and an error that makes it try again (up to maxAttempts).
func (s *scheduler) done(repo string, requested int, err error) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.repos[repo]
	if p == nil {
		return
	}
	if requested > 0 || err != nil {
		p.requested = now // a repository no policy watches costs no scan: no spacing
	}
	if err == nil || p.attempts >= maxAttempts {
		p.attempts = 0
		return
	}
	p.attempts++
	if p.first.IsZero() {
		p.first, p.last = now, now
	}
}

// sweep forgets repositories with nothing waiting whose spacing is over.
func (s *scheduler) sweep(now time.Time) {
	for r, p := range s.repos {
		if p.first.IsZero() && now.Sub(p.requested) >= s.minInterval {
			delete(s.repos, r)
		}
	}
}

// run sends each due repository to request until ctx ends.
func (s *scheduler) run(ctx context.Context, request func(context.Context, string) (int, error)) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := time.Now()
		due, next := s.take(now)
		for _, r := range due {
			n, err := request(ctx, r)
			s.done(r, n, err)
		}
		if ctx.Err() != nil {
			return
		}
		if len(due) > 0 {
			continue
		}
		s.mu.Lock()
		s.sweep(now)
		s.mu.Unlock()
		wait := time.Hour
		if !next.IsZero() {
			wait = next.Sub(now)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-timer.C:
		}
	}
}
