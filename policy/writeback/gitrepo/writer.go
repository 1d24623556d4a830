package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultMaxAttempts bounds the edits of one write when pushes keep being
// refused because others push to the branch.
const DefaultMaxAttempts = 5

// Options configure a Writer.
type Options struct {
	// CacheDir holds the clones; it is created if missing. Required.
	CacheDir string
	// MaxAttempts bounds the attempts of one write; DefaultMaxAttempts when 0.
	MaxAttempts int
	// RetryDelay is the pause before a new attempt; 100ms when 0.
	RetryDelay time.Duration
	// Registerer takes the push metrics; none are kept when nil.
	Registerer prometheus.Registerer
	// Now is the clock of commit times; time.Now when nil.
	Now func() time.Time
	// Committer commits every change (the author comes from the Edit);
	// DefaultCommitterName and DefaultCommitterEmail when empty. It is how
	// the Writer knows its own commits on a PushBranch.
	Committer Signature
	// CacheMaxBytes is the disk budget of CacheDir; 0 means none. A write
	// that would pass it is refused; clones not in use are removed, least
	// recently used first, to keep the folder at half of it between writes
	// and to make room when a write needs it. A clone that does not fit
	// even alone fails with ErrCacheFull.
	CacheMaxBytes int64
}

// The committer of the Writer's commits when Options name none.
const (
	DefaultCommitterName  = "imagepin"
	DefaultCommitterEmail = "imagepin@imagepin.dev"
)

// Writer commits and pushes changes to Git branches. It is safe for
// concurrent use; writes to one clone are serialised.
type Writer struct {
	opts    Options
	metrics *metrics
	quota   *quota

	mu      sync.Mutex
	clones  map[string]*clone    // clone folders in use or waited for
	lastUse map[string]time.Time // when each clone folder was last written
}

// New returns a Writer that keeps its clones in o.CacheDir.
func New(o Options) (*Writer, error) {
	if o.CacheDir == "" {
		return nil, errors.New("gitrepo: CacheDir is required")
	}
	if err := os.MkdirAll(o.CacheDir, 0o700); err != nil {
		return nil, fmt.Errorf("gitrepo: cache dir: %w", err)
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = 100 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Committer.Email == "" {
		o.Committer = Signature{Name: DefaultCommitterName, Email: DefaultCommitterEmail}
	}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	w := &Writer{opts: o, metrics: m, quota: &quota{dir: o.CacheDir, max: o.CacheMaxBytes},
		clones: map[string]*clone{}, lastUse: map[string]time.Time{}}
	w.measure()
	return w, nil
}

// Write fetches the target branch, edits the files under req.Paths, and
// commits and pushes the change, if any. When the push is refused because
// the branch moved, it edits the new head and tries again, up to
// MaxAttempts times; then the error wraps ErrPushRejected.
func (w *Writer) Write(ctx context.Context, req Request) (Result, error) {
	if req.URL == "" || req.Branch == "" || req.Edit == nil {
		return Result{}, errors.New("gitrepo: a request needs URL, Branch and Edit")
	}
	dir := w.cacheDir(req.Target)
	defer w.acquire(dir)()
	res, err := w.writeIn(ctx, dir, req)
	switch {
	case errors.Is(err, ErrCacheFull):
		// Make all the room there is, this clone's partial state
		// included, and try once more.
		w.evict(dir, 0)
		if rerr := os.RemoveAll(dir); rerr == nil {
			w.measure()
			res, err = w.writeIn(ctx, dir, req)
		}
		if errors.Is(err, ErrCacheFull) {
			_ = os.RemoveAll(dir) // a partial clone: nothing of it is of use
		}
	case err != nil && damaged(err):
		// An error that is neither the server's answer nor the network's
		// nor Edit's comes from the clone itself (a crash or a full disk
		// left it damaged): make it again.
		if rerr := os.RemoveAll(dir); rerr == nil {
			res, err = w.writeIn(ctx, dir, req)
		}
	}
	w.measure()
	w.evict(dir, w.opts.CacheMaxBytes/2)
	return res, err
}

// writeIn writes with the clone in dir, whose file writes count against
// the cache's budget.
func (w *Writer) writeIn(ctx context.Context, dir string, req Request) (Result, error) {
	op := &quotaOp{q: w.quota}
	res, err := w.write(ctx, dir, req, op)
	if err != nil && op.wasRefused() {
		return Result{}, fmt.Errorf("%w: the clone needs more than the cache's budget of %d bytes (%v)", ErrCacheFull, w.quota.max, err)
	}
	return res, err
}

func (w *Writer) write(ctx context.Context, dir string, req Request, op *quotaOp) (Result, error) {
	repo, err := open(dir, req.URL, op)
	if err != nil {
		return Result{}, err
	}
	st, err := fetch(ctx, repo, req.Target)
	for attempt := 1; err == nil; attempt++ {
		res, moved, aerr := w.attempt(ctx, repo, req, st)
		res.Attempts = attempt
		if aerr == nil && res.Pushed {
			// Not an error of the write: a clone that cannot pack now
			// packs on a later write, or is made again.
			_ = packLoose(repo)
		}
		if aerr == nil || moved == nil {
			return res, aerr
		}
		if attempt >= w.opts.MaxAttempts {
			return res, fmt.Errorf("%w: the branch moved before each of %d pushes: %v", ErrPushRejected, attempt, aerr)
		}
		st, err = *moved, w.pause(ctx, attempt)
	}
	return Result{}, err
}

// attempt edits the files of the plan's base, commits and pushes. When the
// push is refused and a branch has moved, it returns the new state for
// another attempt.
func (w *Writer) attempt(ctx context.Context, repo *git.Repository, req Request, st state) (Result, *state, error) {
	p, err := w.plan(repo, req.Target, st)
	if err != nil {
		return Result{}, nil, err
	}
	change, err := edit(repo, req, p.base)
	if err != nil {
		return Result{}, nil, err
	}
	if len(change.Files) == 0 {
		return Result{Commit: p.base.String(), Branch: p.baseBranch}, nil, nil
	}
	hash, err := commit(repo, p.base, change, w.opts.Committer, w.opts.Now())
	if err != nil {
		return Result{}, nil, err
	}
	start := time.Now()
	err = push(ctx, repo, req.Target, hash, p)
	w.metrics.duration.Observe(time.Since(start).Seconds())
	if err == nil {
		w.metrics.pushes.WithLabelValues(pushSucceeded).Inc()
		return Result{Commit: hash.String(), Branch: p.dest, Pushed: true}, nil, nil
	}
	return w.refused(ctx, repo, req.Target, st, hash, p.dest, err)
}

// refused tells why a push failed by looking at the branches again.
func (w *Writer) refused(ctx context.Context, repo *git.Repository, t Target, before state, hash plumbing.Hash, dest string, err error) (Result, *state, error) {
	if errors.Is(err, ErrAuthentication) {
		w.metrics.pushes.WithLabelValues(pushAuth).Inc()
		return Result{}, nil, err
	}
	now, ferr := fetch(ctx, repo, t)
	switch {
	case ferr != nil:
		w.metrics.pushes.WithLabelValues(pushFailed).Inc()
		return Result{}, nil, fmt.Errorf("%w (fetch after the push: %v)", err, ferr)
	case now.head(t) == hash: // the push went through; its answer was lost
		w.metrics.pushes.WithLabelValues(pushSucceeded).Inc()
		return Result{Commit: hash.String(), Branch: dest, Pushed: true}, nil, nil
	case now == before && network(err):
		w.metrics.pushes.WithLabelValues(pushFailed).Inc()
		return Result{}, nil, err
	case now == before: // nothing moved: the server refused the update itself
		w.metrics.pushes.WithLabelValues(pushRejected).Inc()
		return Result{}, nil, join(ErrPushRejected, err)
	}
	w.metrics.pushes.WithLabelValues(pushRejected).Inc()
	return Result{}, &now, err
}

// edit reads the files of head and calls req.Edit, keeping only files
// whose content it really changed.
func edit(repo *git.Repository, req Request, head plumbing.Hash) (Change, error) {
	c, err := repo.CommitObject(head)
	if err != nil {
		return Change{}, fmt.Errorf("commit %s: %w", head, err)
	}
	tree, err := c.Tree()
	if err != nil {
		return Change{}, fmt.Errorf("tree of %s: %w", head, err)
	}
	files, err := readFiles(tree, req.Paths)
	if err != nil {
		return Change{}, fmt.Errorf("read files of %s: %w", head, err)
	}
	change, err := req.Edit(files)
	if err != nil {
		return Change{}, &editError{err: err}
	}
	return onlyChanged(change, files)
}

func onlyChanged(change Change, files []File) (Change, error) {
	old := make(map[string][]byte, len(files))
	for _, f := range files {
		old[f.Path] = f.Content
	}
	changed := map[string][]byte{}
	for p, content := range change.Files {
		before, ok := old[p]
		if !ok {
			return Change{}, fmt.Errorf("edit changed %s, which it was not given", p)
		}
		if !bytes.Equal(before, content) {
			changed[p] = content
		}
	}
	change.Files = changed
	return change, nil
}

func (w *Writer) pause(ctx context.Context, attempt int) error {
	t := time.NewTimer(time.Duration(attempt) * w.opts.RetryDelay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
