package scanner

import (
	"sync"
	"time"
)

// maxTroubled bounds the hosts the gate remembers as troubled.
const maxTroubled = 4096

// gate keeps one registry from taking all scan workers. A registry that
// trickles its answers or pages for ever holds a worker until the scan
// timeout; without a gate, a few policies on it would stop every other
// policy's scans. So one host may occupy at most perHost workers at once,
// and the hosts whose last scan timed out (troubled) share troubledMax
// workers between them, so that even many such hosts leave workers for
// the healthy ones once each has timed out once. A policy that finds its
// host's share taken is requeued, not queued behind it.
type gate struct {
	perHost, troubledMax int

	mu           sync.Mutex
	busy         map[string]int       // scans in flight by host
	troubled     map[string]time.Time // hosts whose last scan timed out, since when
	troubledBusy int
}

// ticket is one admitted scan; leave returns it.
type ticket struct {
	host     string
	troubled bool
}

// newGate returns a gate for concurrency workers: each host, and the
// troubled hosts together, get half of them (at least one).
func newGate(concurrency int) *gate {
	half := max(1, concurrency/2)
	return &gate{perHost: half, troubledMax: half, busy: map[string]int{}, troubled: map[string]time.Time{}}
}

// enter admits a scan of host, or reports false when host's share of the
// workers is taken.
func (g *gate) enter(host string) (ticket, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.busy[host] >= g.perHost {
		return ticket{}, false
	}
	_, troubled := g.troubled[host]
	if troubled {
		if g.troubledBusy >= g.troubledMax {
			return ticket{}, false
		}
		g.troubledBusy++
	}
	g.busy[host]++
	return ticket{host: host, troubled: troubled}, true
}

// leave ends an admitted scan; timedOut says whether it hit the scan
// timeout, which makes its host troubled until a scan of it ends in time.
func (g *gate) leave(t ticket, timedOut bool, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.busy[t.host]--; g.busy[t.host] <= 0 {
		delete(g.busy, t.host)
	}
	if t.troubled {
		g.troubledBusy--
	}
	if !timedOut {
		delete(g.troubled, t.host)
		return
	}
	if _, known := g.troubled[t.host]; !known && len(g.troubled) >= maxTroubled {
		g.forgetOldest()
	}
	g.troubled[t.host] = now
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
