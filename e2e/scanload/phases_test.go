package scanload

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/imagepin/imagepin/internal/testenv/controlplane"
	"github.com/imagepin/imagepin/internal/testenv/registry"
)

const (
	// pollEvery is how often the phases read the manager's metrics.
	pollEvery = 250 * time.Millisecond
	// phaseTimeout bounds each phase.
	phaseTimeout = 15 * time.Minute
	// settle lets the status writes of the last scans land before counting.
	settle = 2 * time.Second
	// profileFor is the length of each CPU profile.
	profileFor = 30 * time.Second
)

// benchRun is one run of the three phases of benchScanner.
type benchRun struct {
	b     *testing.B
	ctx   context.Context
	cp    *controlplane.ControlPlane
	reg   *registry.Registry
	shape shape
	bin   string
	args  []string // more flags of the manager

	mgr     *benchManager
	peakRSS float64
}

// snapshot is what the phases count, at one moment.
type snapshot struct {
	at       time.Time
	registry map[string]int
	api      apiCounts
	mgr      managerMetrics
	cpu      float64
}

func (r *benchRun) snapshot() snapshot {
	reqs, err := r.reg.HandlerRequests()
	if err != nil {
		r.b.Fatal(err)
	}
	api, err := scrapeAPIServer(r.ctx, r.cp.Config)
	if err != nil {
		r.b.Fatal(err)
	}
	s := snapshot{at: time.Now(), registry: reqs, api: api}
	if mm, err := scrapeManager(r.ctx, r.mgr.MetricsAddr); err == nil {
		s.mgr = mm
	}
	s.cpu = r.mgr.cpuSeconds(r.b)
	return s
}

// report reports what happened between before and after as metrics of
// phase, and logs the registry requests of every kind.
func (r *benchRun) report(phase string, before, after snapshot, d time.Duration) {
	b := r.b
	b.ReportMetric(d.Seconds(), "s/"+phase)
	api := after.api.minus(before.api)
	b.ReportMetric(api.statusWrites, "status-writes/"+phase)
	kinds := map[string]int{}
	total := 0
	for k, n := range after.registry {
		if dn := n - before.registry[k]; dn > 0 {
			kinds[k] = dn
			total += dn
		}
	}
	b.ReportMetric(float64(kinds["tags GET"]), "tag-lists/"+phase)
	b.ReportMetric(float64(kinds["manifest HEAD"]), "manifest-HEADs/"+phase)
	b.ReportMetric(float64(total), "registry-requests/"+phase)
	b.ReportMetric(after.cpu-before.cpu, "manager-CPU-s/"+phase)
	b.ReportMetric(api.events, "events/"+phase)
	rss, own := r.mgr.statusMiB(b, "VmRSS:"), r.mgr.anonRSSMiB(b)
	r.mgr.profileHeap(b, r.ctx, phase)
	live := r.mgr.liveHeapMiB(b, r.ctx)
	b.ReportMetric(live, "live-heap-MiB/"+phase)
	b.Logf("%s: %.1f s, %.0f scans, registry requests %v, status writes %.0f (%.0f conflicts, %.0f failed; the scanner counted %.0f, the rest are the rollout controller's status.rollout), events %.0f, manager CPU %.1f s, RSS %.1f MiB (own %.1f MiB), live heap %.1f MiB",
		phase, d.Seconds(), after.mgr.scans-before.mgr.scans, kinds, api.statusWrites, api.conflicts, api.failed,
		after.mgr.statusWritten-before.mgr.statusWritten, api.events, after.cpu-before.cpu, rss, own, live)
}

// firstCycle starts a manager while every policy is new and waits until
// all are Ready.
func (r *benchRun) firstCycle() {
	r.mgr = startManager(r.b, r.bin, r.cp, r.args)
	before := r.snapshot()
	r.waitFor("the manager's metrics", func(m managerMetrics) bool { return m.up })
	profiled := r.mgr.profileCPU(r.b, r.ctx, "first-cycle", profileFor)
	r.waitFor("all policies Ready", func(m managerMetrics) bool { return m.ready == float64(r.shape.policies()) })
	d := time.Since(before.at)
	time.Sleep(settle)
	r.report("first-cycle", before, r.snapshot(), d)
	profiled()
}

// steadyCycle waits for the next minute, when every policy is due again,
// and measures until each has been scanned once more.
func (r *benchRun) steadyCycle() {
	start := time.Now().Truncate(time.Minute).Add(time.Minute)
	if time.Until(start) < 2*settle {
		start = start.Add(time.Minute)
	}
	time.Sleep(time.Until(start) - settle)
	before := r.snapshot()
	time.Sleep(time.Until(start))
	profiled := r.mgr.profileCPU(r.b, r.ctx, "steady-cycle", profileFor)
	want := before.mgr.scans + float64(r.shape.policies())
	r.waitFor("a scan of every policy", func(m managerMetrics) bool { return m.scans >= want })
	d := time.Since(start)
	time.Sleep(settle)
	r.report("steady-cycle", before, r.snapshot(), d)
	profiled()
}

// restart stops the manager, waits past the next minute so that every
// policy is overdue, starts a new manager and follows, second by second,
// how many policies it has scanned (imagepin_policies counts each policy
// once) until it has scanned all. Scans of policies scanned before (at a
// minute's start, as their schedule says) do not count.
func (r *benchRun) restart() {
	r.peakRSS = max(r.peakRSS, r.mgr.peakRSSMiB(r.b))
	r.mgr.stop(r.b)
	time.Sleep(time.Until(time.Now().Truncate(time.Minute).Add(time.Minute + 6*time.Second)))
	r.mgr = startManager(r.b, r.bin, r.cp, r.args)
	before := r.snapshot()
	n := float64(r.shape.policies())
	var firstScans, scans []float64
	lastReady, lastScans := 0.0, 0.0
	r.waitForEvery(time.Second, "a scan of every policy after the restart", func(m managerMetrics) bool {
		firstScans = append(firstScans, m.ready-lastReady)
		scans = append(scans, m.scans-lastScans)
		lastReady, lastScans = m.ready, m.scans
		return m.ready >= n
	})
	d := time.Since(before.at)
	time.Sleep(settle)
	r.report("restart", before, r.snapshot(), d)
	r.reportSpread(firstScans, n)
	r.b.Logf("restart: policies first scanned per second %v", firstScans)
	r.b.Logf("restart: scans per second %v", scans)
	r.peakRSS = max(r.peakRSS, r.mgr.peakRSSMiB(r.b))
}

// reportSpread reports the most policies first scanned in one second after
// the restart and the seconds until half of them were.
func (r *benchRun) reportSpread(perSecond []float64, n float64) {
	most, sum, half := 0.0, 0.0, math.NaN()
	for i, c := range perSecond {
		most = max(most, c)
		sum += c
		if math.IsNaN(half) && sum >= n/2 {
			half = float64(i + 1)
		}
	}
	r.b.ReportMetric(most, "restart-max-first-scans/s")
	r.b.ReportMetric(half, "restart-s-to-half")
}

// waitFor polls the manager's metrics until done says so.
func (r *benchRun) waitFor(what string, done func(managerMetrics) bool) {
	r.waitForEvery(pollEvery, what, done)
}

// waitForEvery polls every interval; done sees zero metrics (not up)
// while the manager is still starting. A manager that reports NotReady
// policies fails the benchmark.
func (r *benchRun) waitForEvery(interval time.Duration, what string, done func(managerMetrics) bool) {
	deadline := time.Now().Add(phaseTimeout)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-r.ctx.Done():
			r.b.Fatal(r.ctx.Err())
		case <-tick.C:
		}
		m, err := scrapeManager(r.ctx, r.mgr.MetricsAddr)
		if err == nil && m.notReady > 0 {
			r.b.Fatalf("%v policies not Ready\n%s", m.notReady, r.mgr.LogTail())
		}
		if done(m) {
			return
		}
		if time.Now().After(deadline) {
			r.b.Fatalf("no %s after %s (last metrics %+v, %v)\n%s", what, phaseTimeout, m, err, r.mgr.LogTail())
		}
	}
}
