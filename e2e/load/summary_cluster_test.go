package load

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/imagepin/imagepin/webhook"
)

func (r *report) writeDeploys(w io.Writer) {
	fmt.Fprintf(w, "\n(b) %d Deployments x %d replicas x 10 containers (%d governed, %d unmanaged but cached) on %d kwok Nodes, rounds in order\n",
		deployCount, deployReplicas, deployGoverned, unmanagedRepos, kwokNodes)
	fmt.Fprintln(w, "    (all exist / all Ready are bounded by kube-controller-manager's client rate limit, 20 QPS by default, not by admission;")
	fmt.Fprintln(w, "     POST pods is the API server's histogram: mean exact, p50/p99 interpolated inside its buckets 5/25/50/100ms...)")
	t := table(w)
	fmt.Fprintf(t, "namespace\tall exist\tall Ready\tPOSTs\tPOST mean\tPOST p50\tPOST p99\twebhook mean\timagepin HTTP\tapiserver CPU\tetcd CPU\timagepin CPU\tkcm CPU\tpinned\tregistry req\t\n")
	for _, d := range r.deploys {
		m := d.metrics
		fmt.Fprintf(t, "%s\t%s\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t%.1fs\t%.1fs\t%.1fs\t%.1fs\t%.0f\t%.0f\t\n", d.round.ns,
			d.exist.Round(100*time.Millisecond), d.ready.Round(100*time.Millisecond), m.podPost.count,
			ms(m.podPost.mean()), ms(m.podPost.quantile(0.5)), ms(m.podPost.quantile(0.99)), ms(m.webhook.mean()), ms(m.pinHTTP.mean()),
			m.cpu[procAPIServer], m.cpu[procEtcd], m.cpu[procImagepin], m.cpu[procKCM],
			m.admissions[webhook.ResultPinned], m.registryRequests)
	}
	t.Flush()
	var plain, enabled []deployResult
	for _, d := range r.deploys {
		if d.round.enabled {
			enabled = append(enabled, d)
		} else {
			plain = append(plain, d)
		}
	}
	if len(plain) == 0 || len(enabled) == 0 {
		return
	}
	avg := func(ds []deployResult, f func(deployResult) float64) float64 {
		var s float64
		for _, d := range ds {
			s += f(d)
		}
		return s / float64(len(ds))
	}
	rat := func(f func(deployResult) float64) string {
		return fmt.Sprintf("%.2f", avg(enabled, f)/avg(plain, f))
	}
	fmt.Fprintf(w, "  ratios enabled/plain (means of the rounds): all Ready %s, POST pods mean %s, apiserver CPU %s, etcd CPU %s\n",
		rat(func(d deployResult) float64 { return d.ready.Seconds() }),
		rat(func(d deployResult) float64 { return d.metrics.podPost.mean().Seconds() }),
		rat(func(d deployResult) float64 { return d.metrics.cpu[procAPIServer] }),
		rat(func(d deployResult) float64 { return d.metrics.cpu[procEtcd] }))
	fmt.Fprintf(w, "  imagepin RSS: %.0f MiB idle after set-up, %.0f MiB peak (VmHWM) at the end\n", r.rssIdle, r.rssPeak)
}

func (r *report) writeSizes(w io.Writer) {
	fmt.Fprintln(w, "\n(c) AdmissionReview sizes on the wire (API server <-> imagepin, through a recording proxy)")
	t := table(w)
	fmt.Fprintln(t, "shape\trequest\tof which object\tresponse\tpatch ops\tpatch\t")
	for _, s := range r.sizes {
		fmt.Fprintf(t, "%s\t%d B\t%d B\t%d B\t%d\t%d B\t\n", s.shape.name, s.request, s.object, s.response, s.patchOps, s.patch)
	}
	t.Flush()
}

func (r *report) writeProfiles(w io.Writer) {
	fmt.Fprintf(w, "\n(c) CPU profiles, %ds each, while 10-container Pods were created %d at a time (files and full reports in the output folder)\n",
		profileSeconds, directWorkers)
	for _, p := range r.profiles {
		for _, name := range slices.Sorted(maps.Keys(p.components)) {
			c := p.components[name]
			fmt.Fprintf(w, "  %s during %s: %d Pods, %s CPU, %s per Pod (without background)   (%s)\n", name, p.ns, p.pods,
				c.total.Round(10*time.Millisecond), cpuPer(c.total.Seconds()*(1-c.background), float64(p.pods)), c.file)
			for _, l := range slices.Sorted(maps.Keys(c.shares)) {
				fmt.Fprintf(w, "    %-62s %s\n", l, c.shares[l])
			}
			fmt.Fprintln(w, "    top by own time:")
			for _, row := range topRows(c.top, 10) {
				fmt.Fprintln(w, "     "+strings.TrimRight(row, " "))
			}
		}
	}
}
