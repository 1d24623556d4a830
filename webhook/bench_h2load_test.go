package webhook_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/imagepin/imagepin/internal/testenv/controlplane"
	"github.com/imagepin/imagepin/webhook"
)

// h2loadConnections and h2loadStreams shape the load of
// BenchmarkAdmission/https-h2load: the API server's Go HTTP/2 transport
// sends all its calls to one webhook over one connection, as many streams
// at a time as it has Pod creates in flight.
const (
	h2loadConnections = 1
	h2loadStreams     = 16
)

// benchHTTPSH2load posts AdmissionReviews to the webhook server with
// h2load, nghttp2's HTTP/2 load generator (Debian package
// nghttp2-client): a client written in C whose CPU per request is a small
// part of the server's, so that the measured rate is what the server
// reaches on the cores it shares with the client, the closest this machine
// comes to a server with cores of its own. It reports the rate, the
// server's and h2load's CPU per admission, and the latencies h2load
// logged. h2load checks status codes, not bodies; the https benchmarks
// check each answer.
func benchHTTPSH2load(b *testing.B, cp *controlplane.ControlPlane, req admission.Request) {
	bin, err := exec.LookPath("h2load")
	if err != nil {
		b.Skip("h2load is not on PATH (Debian: apt-get install nghttp2-client)")
	}
	dir := b.TempDir()
	bodyFile := filepath.Join(dir, "review.json")
	if err := os.WriteFile(bodyFile, reviewBody(b, req), 0o600); err != nil {
		b.Fatal(err)
	}
	url := fmt.Sprintf("https://%s:%d%s", cp.Webhook.Host, cp.Webhook.Port, webhook.MutatePodsEnabledPath)
	load := func(n int, logFile string) *h2loadRun {
		run, err := runH2load(bin, url, bodyFile, n, logFile)
		if err != nil {
			b.Fatal(err)
		}
		return run
	}
	load(clientWarmUp, "")
	cpu := processCPU(b)
	run := load(b.N, filepath.Join(dir, "requests.log"))
	serverCPU := processCPU(b) - cpu
	b.ReportMetric(float64(b.N)/run.elapsed.Seconds(), "admissions/s")
	b.ReportMetric(float64(serverCPU.Microseconds())/float64(b.N), "server-cpu-µs/admission")
	b.ReportMetric(float64(run.cpu.Microseconds())/float64(b.N), "client-cpu-µs/admission")
	reportPercentiles(b, run.took)
}

// h2loadRun is what one h2load run measured.
type h2loadRun struct {
	elapsed time.Duration   // h2load's "finished in"
	cpu     time.Duration   // h2load's own CPU time
	took    []time.Duration // per request, from its log file
}

// h2loadFinished and h2loadStatus are the lines of h2load's summary that
// runH2load reads.
var (
	h2loadFinished = regexp.MustCompile(`(?m)^finished in ([0-9.]+)(s|ms),`)
	h2loadStatus   = regexp.MustCompile(`(?m)^status codes: (\d+) 2xx,`)
)

// runH2load sends n reviews from bodyFile to url and fails unless every
// one was answered with a 2xx status. With logFile set, h2load logs each
// request there and the latencies are returned.
func runH2load(bin, url, bodyFile string, n int, logFile string) (*h2loadRun, error) {
	args := []string{"-n", strconv.Itoa(n), "-c", strconv.Itoa(h2loadConnections), "-m", strconv.Itoa(h2loadStreams),
		"-t", "1", "-d", bodyFile, "-H", "content-type: application/json"}
	if logFile != "" {
		args = append(args, "--log-file", logFile)
	}
	cmd := exec.Command(bin, append(args, url)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("h2load: %v\n%s", err, out)
	}
	fin, status := h2loadFinished.FindSubmatch(out), h2loadStatus.FindSubmatch(out)
	if fin == nil || status == nil {
		return nil, fmt.Errorf("h2load printed no summary:\n%s", out)
	}
	if ok, _ := strconv.Atoi(string(status[1])); ok != n {
		return nil, fmt.Errorf("h2load: %d of %d answered 2xx:\n%s", ok, n, out)
	}
	secs, err := strconv.ParseFloat(string(fin[1]), 64)
	if err != nil {
		return nil, err
	}
	if string(fin[2]) == "ms" {
		secs /= 1000
	}
	run := &h2loadRun{elapsed: time.Duration(secs * float64(time.Second)),
		cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
	if logFile != "" {
		if run.took, err = readH2loadLog(logFile); err != nil {
			return nil, err
		}
	}
	return run, nil
}

// readH2loadLog reads the latencies of h2load's --log-file: one line per
// request, "start time, status, duration in µs", tab-separated.
func readH2loadLog(file string) ([]time.Duration, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var took []time.Duration
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 {
			return nil, fmt.Errorf("h2load log line %q", sc.Text())
		}
		us, err := strconv.ParseInt(fields[2], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("h2load log line %q: %w", sc.Text(), err)
		}
		took = append(took, time.Duration(us)*time.Microsecond)
	}
	return took, sc.Err()
}
