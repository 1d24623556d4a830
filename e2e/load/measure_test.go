package load

import (
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"testing"
	"time"
)

// The helpers that turn raw readings into the benchmark's figures run in
// plain `go test` too: a wrong quantile or a misread profile would
// otherwise only show as a strange number in a long benchmark.

const apiPage = `# TYPE apiserver_request_duration_seconds histogram
apiserver_request_duration_seconds_bucket{resource="pods",subresource="",verb="POST",le="0.005"} 10
apiserver_request_duration_seconds_bucket{resource="pods",subresource="",verb="POST",le="0.025"} 90
apiserver_request_duration_seconds_bucket{resource="pods",subresource="",verb="POST",le="0.05"} 100
apiserver_request_duration_seconds_bucket{resource="pods",subresource="",verb="POST",le="+Inf"} 100
apiserver_request_duration_seconds_sum{resource="pods",subresource="",verb="POST"} 1.2
apiserver_request_duration_seconds_count{resource="pods",subresource="",verb="POST"} 100
apiserver_request_duration_seconds_bucket{resource="pods",subresource="status",verb="POST",le="0.005"} 7
apiserver_request_duration_seconds_bucket{resource="pods",subresource="status",verb="POST",le="0.025"} 7
apiserver_request_duration_seconds_bucket{resource="pods",subresource="status",verb="POST",le="0.05"} 7
apiserver_request_duration_seconds_bucket{resource="pods",subresource="status",verb="POST",le="+Inf"} 7
apiserver_request_duration_seconds_sum{resource="pods",subresource="status",verb="POST"} 0.01
apiserver_request_duration_seconds_count{resource="pods",subresource="status",verb="POST"} 7
# TYPE imagepin_registry_requests_total counter
imagepin_registry_requests_total{code="200",registry="a"} 3
imagepin_registry_requests_total{code="404",registry="a"} 2
`

func TestHistogramDelta(t *testing.T) {
	after, err := parseScrape([]byte(apiPage))
	if err != nil {
		t.Fatal(err)
	}
	before, err := parseScrape([]byte(strings.NewReplacer("} 10\n", "} 0\n", "} 90\n", "} 0\n", "} 100\n", "} 0\n", "} 1.2\n", "} 0\n").Replace(apiPage)))
	if err != nil {
		t.Fatal(err)
	}
	h1, err := after.histogram(apiRequestDuration, podCreate())
	if err != nil {
		t.Fatal(err)
	}
	h0, err := before.histogram(apiRequestDuration, podCreate())
	if err != nil {
		t.Fatal(err)
	}
	d := h1.sub(h0)
	if d.count != 100 || d.mean() != 12*time.Millisecond {
		t.Errorf("count %v mean %v, want 100 and 12ms (the status subresource excluded)", d.count, d.mean())
	}
	// Rank 50 lies in (5ms, 25ms], holding 80 of ranks 10..90: 5 + 20*40/80.
	if q := d.quantile(0.5); q != 15*time.Millisecond {
		t.Errorf("p50 %v, want 15ms", q)
	}
	if q := d.quantile(0.99); q != 47500*time.Microsecond {
		t.Errorf("p99 %v, want 47.5ms", q)
	}
	if sum := d.add(d); sum.count != 200 || sum.mean() != d.mean() {
		t.Errorf("sum of two deltas: count %v mean %v", sum.count, sum.mean())
	}
	if v := after.value(pinRegistry, nil); v != 5 {
		t.Errorf("registry requests %v, want 5", v)
	}
}

func TestPercentileAndMedian(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	if p := percentile(d, 0.5); p != 50*time.Millisecond {
		t.Errorf("p50 %v", p)
	}
	if p := percentile(d, 0.99); p != 99*time.Millisecond {
		t.Errorf("p99 %v", p)
	}
	if m := median([]float64{3, 1, 2}); m != 2 {
		t.Errorf("median %v", m)
	}
	if p := percent("39.5%"); p != 0.395 {
		t.Errorf("percent %v", p)
	}
}

func TestProcStatOfSelf(t *testing.T) {
	st, err := readProcStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if st.ppid != os.Getppid() || st.cpu <= 0 {
		t.Errorf("stat of self: %+v, want ppid %d and some CPU time", st, os.Getppid())
	}
	if rss, err := rssMiB(os.Getpid(), "VmHWM"); err != nil || rss <= 0 {
		t.Errorf("VmHWM of self: %v, %v", rss, err)
	}
}

// burn keeps a CPU busy for d; its name is what the profile test looks for.
func burn(d time.Duration) int {
	n := 0
	for start := time.Now(); time.Since(start) < d; n++ {
	}
	return n
}

func TestPprofReportParsing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go tool pprof: runs in make test, not under -short")
	}
	file := filepath.Join(t.TempDir(), "cpu.pprof")
	out, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		t.Fatal(err)
	}
	burn(300 * time.Millisecond)
	pprof.StopCPUProfile()
	out.Close()
	top, err := pprofText(file, "-top", "-nodecount=5")
	if err != nil {
		t.Fatal(err)
	}
	// On a busy machine the burn gets only part of a CPU: some samples.
	if total, err := totalSamples(top); err != nil || total <= 0 || total > time.Second {
		t.Errorf("total samples %v, %v, want up to 300ms\n%s", total, err, top)
	}
	if rows := topRows(top, 3); len(rows) == 0 {
		t.Errorf("no rows in\n%s", top)
	}
	focused, err := pprofText(file, "-top", "-cum", "-nodecount=1", "-focus=load\\.burn")
	if err != nil {
		t.Fatal(err)
	}
	if share := firstCumShare(focused); share == "0%" || !strings.HasSuffix(share, "%") {
		t.Errorf("share of burn %q, want most samples\n%s", share, focused)
	}
	none, err := pprofText(file, "-top", "-cum", "-nodecount=1", "-focus=no_such_function")
	if err != nil {
		t.Fatal(err)
	}
	if share := firstCumShare(none); share != "0%" {
		t.Errorf("share of a missing function %q, want 0%%\n%s", share, none)
	}
}
