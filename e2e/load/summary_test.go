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
	fmt.Fprintf(w, "\n(a) Pods created directly, %d at a time, %d per round, %d rounds, namespaces interleaved (client latency)\n",
		directWorkers, directPerRun, directRounds)
	fmt.Fprintln(w, "    floor: a webhook configured like imagepin's that answers at once with the same patch (what any mutating webhook costs)")
	t := table(w)
	fmt.Fprintln(t, "shape\tplain p50\tp99\tfloor p50\tp99\tenabled p50\tp99\tenabled/plain p50\tp99\tby round\tmedian\tfloor/plain p50\tenabled/floor p50\t")
	for _, d := range r.direct {
		var cells []string
		for _, ns := range directNamespaces() {
			all := pooled(d.runs[ns])
			cells = append(cells, ms(percentile(all, 0.5)), ms(percentile(all, 0.99)))
		}
		rounds := d.roundRatios(nsDirectEnabled, nsDirectPlain)
		var byRound []string
		for _, x := range rounds {
			byRound = append(byRound, fmt.Sprintf("%.2f", x))
		}
		p99 := ratio(percentile(pooled(d.runs[nsDirectEnabled]), 0.99), percentile(pooled(d.runs[nsDirectPlain]), 0.99))
		fmt.Fprintf(t, "%s\t%s\t%.2f\t%.2f\t%s\t%.2f\t%.2f\t%.2f\t\n", d.shape.name, strings.Join(cells, "\t"),
			d.p50Ratio(nsDirectEnabled, nsDirectPlain), p99, strings.Join(byRound, " "), median(rounds),
			d.p50Ratio(nsDirectFloor, nsDirectPlain), d.p50Ratio(nsDirectEnabled, nsDirectFloor))
	}
	t.Flush()
}

// writeBreakdown shows, per shape, the means of every stage a Pod create
// passes, and how the time added by imagepin divides among them.
func (r *report) writeBreakdown(w io.Writer) {
	fmt.Fprintln(w, "\n(a) Where the milliseconds go: means per Pod create over all rounds (metrics of the API server and imagepin; CPU from /proc)")
	fmt.Fprintln(w, "    (the API server times matchConditions only when one is false, so their cost shows in the profiles, not here;")
	fmt.Fprintln(w, "     the floor webhook runs in the benchmark process, whose CPU is not counted)")
	t := table(w)
	fmt.Fprintln(t, "shape\tnamespace\tclient\tPOST pods\tSLI (no webhook)\twebhook call\timagepin HTTP\timagepin Handle\tapiserver CPU/Pod\tetcd CPU/Pod\timagepin CPU/Pod\t")
	for _, d := range r.direct {
		for _, ns := range directNamespaces() {
			m := summed(d.runs[ns])
			n := float64(len(pooled(d.runs[ns])))
			fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", d.shape.name, strings.TrimPrefix(ns, namespacePrefix+"direct-"),
				ms(meanOf(pooled(d.runs[ns]))), ms(m.podPost.mean()), ms(m.podSLI.mean()), ms(m.webhook.mean()),
				ms(m.pinHTTP.mean()), ms(m.pinHandle.mean()),
				cpuPer(m.cpu[procAPIServer], n), cpuPer(m.cpu[procEtcd], n), cpuPer(m.cpu[procImagepin], n))
		}
	}
	t.Flush()
	for _, d := range r.direct {
		writeShapeBreakdown(w, d)
	}
}

// writeShapeBreakdown divides what imagepin adds to the API server's mean
// Pod create among the stages.
func writeShapeBreakdown(w io.Writer, d *directResult) {
	p, fl, e := summed(d.runs[nsDirectPlain]), summed(d.runs[nsDirectFloor]), summed(d.runs[nsDirectEnabled])
	client := meanOf(pooled(d.runs[nsDirectEnabled])) - meanOf(pooled(d.runs[nsDirectPlain]))
	added := e.podPost.mean() - p.podPost.mean()
	hook, http, handle := e.webhook.mean(), e.pinHTTP.mean(), e.pinHandle.mean()
	calls := e.webhook.count / float64(len(pooled(d.runs[nsDirectEnabled])))
	fmt.Fprintf(w, "  %s: imagepin adds %s to the API server's POST mean (client mean: %s); %.2f webhook calls per Pod\n",
		d.shape.name, ms(added), ms(client), calls)
	fmt.Fprintf(w, "    webhook call as the API server times it  %8s  (encode review, HTTPS round trip, decode answer, apply patch)\n", ms(hook))
	fmt.Fprintf(w, "      API server side and the wire           %8s  (webhook call - imagepin HTTP)\n", ms(hook-http))
	fmt.Fprintf(w, "      imagepin HTTP handler                  %8s\n", ms(http))
	fmt.Fprintf(w, "        read, decode, encode the review      %8s  (imagepin HTTP - Handle)\n", ms(http-handle))
	fmt.Fprintf(w, "        Handle                               %8s\n", ms(handle))
	fmt.Fprintf(w, "    rest of the added time                   %8s  (added - webhook call: matchConditions, larger object, CPU contention)\n", ms(added-hook))
	fmt.Fprintf(w, "    for comparison, the floor webhook adds   %8s  to the POST mean (its call: %s)\n",
		ms(fl.podPost.mean()-p.podPost.mean()), ms(fl.webhook.mean()))
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
