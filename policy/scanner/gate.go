package scanner

import (
	"slices"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// maxTroubled bounds the hosts the gate remembers as troubled.
const maxTroubled = 4096

// gate keeps one registry from taking all scan workers. A registry that
// trickles its answers or pages for ever holds a worker until the scan
// timeout; without a gate, a few policies on it would stop every other
// policy's scans. So one host may occupy all workers but one at once, and
// the hosts whose last scan timed out (troubled) share half of the workers
// between them, so that even many such hosts leave workers for the healthy
// ones once each has timed out once. A policy that finds its host's share
// taken does not wait for it, holding a worker: it is put on the host's
// waiting list, and the scan that frees a place wakes the first waiter.
type gate struct {
	perHost, troubledMax int

	mu           sync.Mutex
	busy         map[string]int       // scans in flight by host
	troubled     map[string]time.Time // hosts whose last scan timed out, since when
	troubledBusy int
	waiting      map[string]*waitList // policies refused, by host
}

// ticket is one admitted scan; leave returns it.
type ticket struct {
	host     string
	troubled bool
}

// newGate returns a gate for concurrency workers.
func newGate(concurrency int) *gate {
	return &gate{perHost: max(1, concurrency-1), troubledMax: max(1, concurrency/2),
		busy: map[string]int{}, troubled: map[string]time.Time{}, waiting: map[string]*waitList{}}
}

// enter admits a scan of host for policy key, or reports false when host's
// share of the workers is taken; key then waits for leave to wake it.
func (g *gate) enter(host string, key types.NamespacedName) (ticket, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	_, troubled := g.troubled[host]
	if g.busy[host] >= g.perHost || (troubled && g.troubledBusy >= g.troubledMax) {
		g.waitList(host).push(key)
		return ticket{}, false
	}
	if troubled {
		g.troubledBusy++
	}
	g.busy[host]++
	if w, ok := g.waiting[host]; ok {
		w.remove(key) // in by another way than a wake-up (its retry)
	}
	return ticket{host: host, troubled: troubled}, true
}

// leave ends an admitted scan and returns the policy to wake, if one waits
// for its host. timedOut says whether the scan hit the scan timeout, which
// makes its host troubled until a scan of it ends in time.
func (g *gate) leave(t ticket, timedOut bool, now time.Time) (types.NamespacedName, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.busy[t.host]--; g.busy[t.host] <= 0 {
		delete(g.busy, t.host)
	}
	if t.troubled {
		g.troubledBusy--
	}
	g.judge(t.host, timedOut, now)
	w, ok := g.waiting[t.host]
	if !ok {
		return types.NamespacedName{}, false
	}
	key, ok := w.pop()
	if w.empty() {
		delete(g.waiting, t.host)
	}
	return key, ok
}

// judge records whether host is troubled after a scan.
func (g *gate) judge(host string, timedOut bool, now time.Time) {
	if !timedOut {
		delete(g.troubled, host)
		return
	}
	if _, known := g.troubled[host]; !known && len(g.troubled) >= maxTroubled {
		g.forgetOldest()
	}
	g.troubled[host] = now
}

// forgetOldest drops the host troubled the longest, to bound the set.
func (g *gate) forgetOldest() {
	var oldest string
	for h, at := range g.troubled {
		if oldest == "" || at.Before(g.troubled[oldest]) {
			oldest = h
		}
	}
	delete(g.troubled, oldest)
}

func (g *gate) waitList(host string) *waitList {
	w, ok := g.waiting[host]
	if !ok {
		w = &waitList{in: map[types.NamespacedName]bool{}}
		g.waiting[host] = w
	}
	return w
}

// waitList is a queue of policies without repeats. A policy that gets in
// by its retry instead of a wake-up is removed from the set at once and from
// the queue lazily; the queue is compacted before stale entries outnumber
// live ones, so its size stays bounded by the number of policies.
type waitList struct {
	keys []types.NamespacedName
	in   map[types.NamespacedName]bool
}

func (w *waitList) push(key types.NamespacedName) {
	if w.in[key] {
		return
	}
	w.in[key] = true
	w.keys = append(w.keys, key)
	if len(w.keys) > 2*len(w.in)+16 {
		kept := make(map[types.NamespacedName]bool, len(w.in))
		w.keys = slices.DeleteFunc(w.keys, func(k types.NamespacedName) bool {
			stale := !w.in[k] || kept[k]
			kept[k] = true
			return stale
		})
	}
}

func (w *waitList) remove(key types.NamespacedName) {
	delete(w.in, key)
}

// pop returns the first policy still waiting.
func (w *waitList) pop() (types.NamespacedName, bool) {
	for len(w.keys) > 0 {
		key := w.keys[0]
		w.keys = w.keys[1:]
		if w.in[key] {
			delete(w.in, key)
			return key, true
		}
	}
	return types.NamespacedName{}, false
}

func (w *waitList) empty() bool { return len(w.in) == 0 }
