package load

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkPodCreate measures what imagepin's Pod webhook costs a Pod
// create, with 10,000 ImagePolicies in a real control plane (etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler, kwok Nodes), a
// real Distribution registry and `imagepin manager` as a process, in
// namespaces without pinning ("plain") and with imagepin.dev/pinning=enabled
// side by side in one run:
//
//   - direct: Pods created by a client, 4 at a time, 150 per round, 3
//     rounds, 1- and 10-container Pods of governed images; p50/p99 and
//     their ratio enabled/plain, with the means of every stage from the API
//     server's and imagepin's metrics (the acceptance figure);
//   - deployments: 100 Deployments x 20 replicas x 10 containers (5
//     governed, 5 unmanaged but cached) per round, rounds plain, enabled,
//     enabled, plain; time until all Pods exist and are Ready, the API
//     server's Pod-create latency, CPU seconds of every component, and
//     imagepin's RSS;
//   - breakdown: CPU profiles of kube-apiserver and imagepin under load,
//     and the AdmissionReview sizes.
//
// It prints a summary at the end and writes it, the profiles and the
// manager's log to out/<time>/ (git-ignored). Run it with
//
//	go test ./e2e/load -run '^$' -bench PodCreate -benchtime 1x -timeout 90m
//
// or one part with -bench 'PodCreate/direct'.
func BenchmarkPodCreate(b *testing.B) {
	out := newOutDir(b)
	rep := &report{started: time.Now()}
	rep.noteLoad("start")
	f := newFleet(b, out)
	rep.rssIdle, rep.setup = f.rssIdle, f.steps
	rep.noteLoad("after set-up")
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			res, err := f.runDirect(b.Context())
			if err != nil {
				b.Fatal(err)
			}
			rep.direct = res
		}
		for _, d := range rep.direct {
			c := d.shape.containers
			b.ReportMetric(d.p50Ratio(nsDirectEnabled, nsDirectPlain), fmt.Sprintf("p50-ratio-%dc", c))
			b.ReportMetric(median(d.roundRatios(nsDirectEnabled, nsDirectPlain)), fmt.Sprintf("median-round-p50-ratio-%dc", c))
			b.ReportMetric(d.p50Ratio(nsDirectFloor, nsDirectPlain), fmt.Sprintf("floor-p50-ratio-%dc", c))
		}
		rep.noteLoad("after direct")
	})
	b.Run("deployments", func(b *testing.B) {
		for b.Loop() {
			res, err := f.runDeployments(b.Context())
			if err != nil {
				b.Fatal(err)
			}
			rep.deploys = res
		}
		rep.rssPeak = peakRSSMiB(b, f.mgr.Pid())
		b.ReportMetric(rep.rssPeak, "imagepin-peak-RSS-MiB")
		rep.noteLoad("after deployments")
	})
	b.Run("breakdown", func(b *testing.B) {
		for b.Loop() {
			var err error
			if rep.profiles, err = f.runProfiles(b.Context()); err != nil {
				b.Fatal(err)
			}
			if rep.sizes, err = f.measureReviewSizes(b.Context()); err != nil {
				b.Fatal(err)
			}
		}
		for _, s := range rep.sizes {
			b.ReportMetric(float64(s.request), fmt.Sprintf("review-request-B-%dc", s.shape.containers))
		}
		rep.noteLoad("after breakdown")
	})
	if rep.rssPeak == 0 {
		rep.rssPeak = peakRSSMiB(b, f.mgr.Pid())
	}
	var buf bytes.Buffer
	rep.write(&buf)
	fmt.Fprintf(&buf, "\nfiles: %s\n", out)
	os.Stdout.Write(buf.Bytes())
	if err := os.WriteFile(filepath.Join(out, "summary.txt"), buf.Bytes(), 0o644); err != nil {
		b.Error(err)
	}
}
