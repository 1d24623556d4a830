package scanner

import (
	"hash/fnv"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
	"k8s.io/apimachinery/pkg/types"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/schedule"
)

// nextScans remembers when this scanner is to scan each policy next. The
// status holds the same time (nextScanAt), but only as of its last write:
// a scan that changes nothing writes nothing (see statusChanged), so the
// status may say a policy is overdue that was scanned a moment ago. The
// zero time means "on the next reconcile", as a status without nextScanAt
// (a suspended or stalled policy) does. There is one entry per policy.
type nextScans struct {
	mu sync.Mutex
	at map[types.NamespacedName]time.Time
}

func newNextScans() *nextScans {
	return &nextScans{at: map[types.NamespacedName]time.Time{}}
}

func (n *nextScans) get(key types.NamespacedName) (time.Time, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	t, ok := n.at[key]
	return t, ok
}

func (n *nextScans) set(key types.NamespacedName, t time.Time) {
	n.mu.Lock()
	n.at[key] = t
	n.mu.Unlock()
}

func (n *nextScans) forget(key types.NamespacedName) {
	n.mu.Lock()
	delete(n.at, key)
	n.mu.Unlock()
}

// untilNext returns the time to p's next scheduled scan. A policy on a
// constant period (@every) is scanned on a grid of that period whose phase
// its repository decides, at least half a period from now: the policies of
// one repository come due together and share one tag listing, however far
// apart they were created or last scanned, and repositories spread evenly
// over the period. A cron schedule names its times itself; a random delay
// of up to maxJitter keeps the policies on one cron time from reaching a
// registry in the same instant.
func untilNext(p *v1alpha1.ImagePolicy, now time.Time, maxJitter time.Duration) time.Duration {
	sched := parseSchedule(p.Spec.Schedule)
	if every, ok := sched.(cron.ConstantDelaySchedule); ok {
		return gridPoint(p.Spec.Image, every.Delay, now.Add(every.Delay/2)).Sub(now)
	}
	return sched.Next(now).Sub(now) + rand.N(maxJitter+1)
}

// firstScanAt is when this scanner first scans a policy whose spec is
// decided: at the status's nextScanAt while that is ahead. An overdue
// policy — after a restart or a change of leader that is nearly every
// policy, since unchanged scans leave nextScanAt behind — is scanned within
// the next period of its schedule (at most spread) at a point its
// repository decides: its grid point for @every. So a fleet's first scans
// after a restart spread over one period instead of arriving all at once,
// every policy is still scanned within a period, and the policies of one
// repository come together and share one tag listing.
func firstScanAt(p *v1alpha1.ImagePolicy, now time.Time, spread time.Duration) time.Time {
	at := p.Status.NextScanAt
	switch {
	case at == nil:
		return time.Time{}
	case at.After(now):
		return at.Time
	}
	sched := parseSchedule(p.Spec.Schedule)
	if every, ok := sched.(cron.ConstantDelaySchedule); ok && every.Delay <= spread {
		return gridPoint(p.Spec.Image, every.Delay, now)
	}
	return now.Add(offset(p.Spec.Image, min(period(sched, now), spread)))
}

// parseSchedule parses expr, which validation has accepted; the default
// schedule stands in should it not parse all the same.
func parseSchedule(expr string) cron.Schedule {
	sched, err := schedule.Parse(expr)
	if err != nil {
		sched, _ = schedule.Parse(schedule.Default)
	}
	return sched
}

// period is the time between the two scans of sched after now.
func period(sched cron.Schedule, now time.Time) time.Duration {
	next := sched.Next(now)
	return sched.Next(next).Sub(next)
}

// gridPoint returns the first time at or after t on the grid of period d
// whose phase is image's offset within d.
func gridPoint(image string, d time.Duration, t time.Time) time.Time {
	if d <= 0 {
		return t
	}
	past := (t.UnixNano() - int64(offset(image, d))) % int64(d)
	if past < 0 {
		past += int64(d)
	}
	if past == 0 {
		return t
	}
	return t.Add(d - time.Duration(past))
}

// offset places s within [0, d) by a hash of it: names spread evenly, and
// each keeps its place from one start to the next.
func offset(s string, d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(s))
	return time.Duration(h.Sum64() % uint64(d))
}
