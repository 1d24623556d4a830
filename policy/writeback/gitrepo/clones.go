package gitrepo

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// clone serialises the writes to one clone folder. refs counts the writes
// that hold or wait for it: a folder without a clone entry is idle, and
// may be removed.
type clone struct {
	mu   sync.Mutex
	refs int
}

// acquire waits for the clone in dir and returns its release.
func (w *Writer) acquire(dir string) func() {
	w.mu.Lock()
	c := w.clones[dir]
	if c == nil {
		c = &clone{}
		w.clones[dir] = c
	}
	c.refs++
	w.mu.Unlock()
	c.mu.Lock()
	return w.releaser(dir, c, true)
}

// claimIdle takes the clone in dir if no write holds or waits for it.
func (w *Writer) claimIdle(dir string) (func(), bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.clones[dir] != nil {
		return nil, false
	}
	c := &clone{refs: 1}
	c.mu.Lock() // uncontended: nobody else knows c yet
	w.clones[dir] = c
	return w.releaser(dir, c, false), true
}

func (w *Writer) releaser(dir string, c *clone, used bool) func() {
	return func() {
		c.mu.Unlock()
		w.mu.Lock()
		defer w.mu.Unlock()
		if used {
			w.lastUse[dir] = time.Now()
		}
		if c.refs--; c.refs == 0 {
			delete(w.clones, dir)
		}
	}
}

// removeIdle removes the clone folder dir unless a write holds or waits
// for it.
func (w *Writer) removeIdle(dir string) (bool, error) {
	release, ok := w.claimIdle(dir)
	if !ok {
		return false, nil
	}
	defer release()
	err := os.RemoveAll(dir)
	w.mu.Lock()
	delete(w.lastUse, dir)
	w.mu.Unlock()
	return err == nil, err
}

// Retain removes the clones of every target but keep (those that some
// policy still writes to) that no write uses now, and returns how many it
// removed. Anything else in the cache folder goes too.
func (w *Writer) Retain(keep []Target) (int, error) {
	kept := map[string]bool{}
	for _, t := range keep {
		kept[w.cacheDir(t)] = true
	}
	entries, err := os.ReadDir(w.opts.CacheDir)
	if err != nil {
		return 0, err
	}
	removed := 0
	var errs []error
	for _, e := range entries {
		dir := filepath.Join(w.opts.CacheDir, e.Name())
		if kept[dir] {
			continue
		}
		ok, err := w.removeIdle(dir)
		if ok {
			removed++
		}
		errs = append(errs, err)
	}
	w.measure()
	return removed, errors.Join(errs...)
}

// evict removes idle clones other than keep, least recently written
// first, until the cache uses at most target bytes (when it has a budget).
func (w *Writer) evict(keep string, target int64) {
	if w.quota.max <= 0 || w.quota.usage() <= target {
		return
	}
	for _, dir := range w.byLastUse() {
		if dir == keep {
			continue
		}
		if ok, _ := w.removeIdle(dir); ok && w.measure() <= target {
			return
		}
	}
}

// byLastUse lists the clone folders, least recently written first;
// folders of an earlier process come first of all.
func (w *Writer) byLastUse() []string {
	entries, _ := os.ReadDir(w.opts.CacheDir)
	dirs := make([]string, 0, len(entries))
	for _, e := range entries {
		dirs = append(dirs, filepath.Join(w.opts.CacheDir, e.Name()))
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	sort.SliceStable(dirs, func(i, j int) bool { return w.lastUse[dirs[i]].Before(w.lastUse[dirs[j]]) })
	return dirs
}

// measure updates the cache's usage, and its metric, when it has a budget
// or the metric is kept.
func (w *Writer) measure() int64 {
	n := w.quota.measure()
	w.metrics.cacheBytes.Set(float64(n))
	return n
}
