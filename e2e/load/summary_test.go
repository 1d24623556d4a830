package load

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// report collects what the sub-benchmarks measured, for the summary.
type report struct {
	started  time.Time
	loads    []string // "when: load average"
	direct   []*directResult
	deploys  []deployResult
	profiles []profileResult
	sizes    []reviewSize
	setup    []string // set-up steps and their times
	rssIdle  float64
	rssPeak  float64
}

// noteLoad records the machine's load average at a point of the run.
func (r *report) noteLoad(when string) {
	r.loads = append(r.loads, fmt.Sprintf("%s: %s", when, loadAverage()))
}

// write prints the summary tables.
func (r *report) write(w io.Writer) {
	fmt.Fprintf(w, "\n=== imagepin Pod-create load benchmark, %s, %d CPUs, took %s ===\n",
		r.started.Format(time.DateTime), runtime.NumCPU(), time.Since(r.started).Round(time.Second))
	fmt.Fprintf(w, "%d ImagePolicies (%d namespaces x %d), %d kwok Nodes; load average 1/5/15 min:\n  %s\n",
		fleetRepos*len(fleetNamespaces()), len(fleetNamespaces()), fleetRepos, kwokNodes, strings.Join(r.loads, "\n  "))
	fmt.Fprintf(w, "set-up: %s\n", strings.Join(r.setup, ", "))
	if len(r.direct) > 0 {
		r.writeDirect(w)
		r.writeBreakdown(w)
	}
	if len(r.deploys) > 0 {
		r.writeDeploys(w)
	}
	if len(r.sizes) > 0 {
		r.writeSizes(w)
	}
	if len(r.profiles) > 0 {
		r.writeProfiles(w)
	}
}

func table(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}

func (r *report) writeDirect(w io.Writer) {
	fmt.Fprintf(w, "\n(a) Pods created directly, %d at a time, %d per round, %d rounds, plain and enabled interleaved (client latency)\n",
		directWorkers, directPerRun, directRounds)
	t := table(w)
	fmt.Fprintln(t, "shape\tplain p50\tplain p99\tenabled p50\tenabled p99\tp50 ratio\tp99 ratio\tp50 ratio by round\tmedian\t")
	for _, d := range r.direct {
		plain, enabled := pooled(d.plain), pooled(d.enabled)
		var rounds []string
		for _, x := range d.roundRatios() {
			rounds = append(rounds, fmt.Sprintf("%.2f", x))
		}
		fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\t%.2f\t%.2f\t%s\t%.2f\t\n", d.shape.name,
			ms(percentile(plain, 0.5)), ms(percentile(plain, 0.99)), ms(percentile(enabled, 0.5)), ms(percentile(enabled, 0.99)),
			ratio(percentile(enabled, 0.5), percentile(plain, 0.5)), ratio(percentile(enabled, 0.99), percentile(plain, 0.99)),
			strings.Join(rounds, " "), median(d.roundRatios()))
	}
	t.Flush()
}

// writeBreakdown shows, per shape, the means of every stage a Pod create
// passes, and how the time added by imagepin divides among them.
func (r *report) writeBreakdown(w io.Writer) {
	fmt.Fprintln(w, "\n(a) Where the milliseconds go: means per Pod create over all rounds (metrics of the API server and imagepin; CPU from /proc)")
	fmt.Fprintln(w, "    (the API server times matchConditions only when one is false, so their cost shows in the profiles, not here)")
	t := table(w)
	fmt.Fprintln(t, "shape\tnamespace\tclient\tPOST pods\tSLI (no webhook)\twebhook call\timagepin HTTP\timagepin Handle\tapiserver CPU/Pod\tetcd CPU/Pod\timagepin CPU/Pod\t")
	for _, d := range r.direct {
		for _, side := range []struct {
			name string
			runs []directRun
		}{{"plain", d.plain}, {"enabled", d.enabled}} {
			m := summed(side.runs)
			n := float64(len(pooled(side.runs)))
			fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", d.shape.name, side.name,
				ms(meanOf(pooled(side.runs))), ms(m.podPost.mean()), ms(m.podSLI.mean()), ms(m.webhook.mean()),
				ms(m.pinHTTP.mean()), ms(m.pinHandle.mean()),
				cpuPer(m.cpu[procAPIServer], n), cpuPer(m.cpu[procEtcd], n), cpuPer(m.cpu[procImagepin], n))
		}
	}
	t.Flush()
	for _, d := range r.direct {
		p, e := summed(d.plain), summed(d.enabled)
		client := meanOf(pooled(d.enabled)) - meanOf(pooled(d.plain))
		added := e.podPost.mean() - p.podPost.mean()
		hook, http, handle := e.webhook.mean(), e.pinHTTP.mean(), e.pinHandle.mean()
		calls := e.webhook.count / float64(len(pooled(d.enabled)))
		fmt.Fprintf(w, "  %s: imagepin adds %s to the API server's POST mean (client mean: %s); %.2f webhook calls per Pod\n",
			d.shape.name, ms(added), ms(client), calls)
		fmt.Fprintf(w, "    webhook call as the API server times it  %8s  (encode review, HTTPS round trip, decode answer, apply patch)\n", ms(hook))
		fmt.Fprintf(w, "      API server side and the wire           %8s  (webhook call - imagepin HTTP)\n", ms(hook-http))
		fmt.Fprintf(w, "      imagepin HTTP handler                  %8s\n", ms(http))
		fmt.Fprintf(w, "        read, decode, encode the review      %8s  (imagepin HTTP - Handle)\n", ms(http-handle))
		fmt.Fprintf(w, "        Handle                               %8s\n", ms(handle))
		fmt.Fprintf(w, "    rest of the added time                   %8s  (added - webhook call: matchConditions, larger object, CPU contention)\n", ms(added-hook))
	}
}

func meanOf(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	return sum / time.Duration(len(d))
}

// cpuPer is CPU seconds per item in milliseconds.
func cpuPer(seconds, n float64) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fms", seconds/n*1000)
}
