package webhook_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/imagepin/imagepin/internal/testenv/controlplane"
	"github.com/imagepin/imagepin/internal/testenv/process"
	"github.com/imagepin/imagepin/webhook"
)

// clientEnv names the environment variable that turns this test binary
// into the load client of BenchmarkAdmission/https-client-process: it holds
// the path of a clientJob.
const clientEnv = "IMAGEPIN_BENCH_LOAD_CLIENT"

// clientWarmUp is how many reviews the client sends before it starts the
// clock: connections, TLS and the server's buffers are warm by then.
const clientWarmUp = 200

// clientJob is what the parent asks of the client process.
type clientJob struct {
	URL      string `json:"url"`
	CAPEM    []byte `json:"caPEM"`
	Body     []byte `json:"body"`
	N        int    `json:"n"`
	InFlight int    `json:"inFlight"`
}

// clientResult is the client's last line of output.
type clientResult struct {
	Elapsed time.Duration   `json:"elapsed"`
	CPU     time.Duration   `json:"cpu"`
	Took    []time.Duration `json:"took"`
	Err     string          `json:"err,omitempty"`
}

// benchHTTPSClientProcess is benchHTTPS with the client in a process of its
// own (this test binary, re-run as TestLoadClient), so that the CPU time of
// this process is the webhook server's alone: it reports the server's CPU
// per admission, the rate and the client's latencies. Client and server
// still share the machine's cores.
func benchHTTPSClientProcess(b *testing.B, cp *controlplane.ControlPlane, req admission.Request) {
	job := clientJob{URL: fmt.Sprintf("https://%s:%d%s", cp.Webhook.Host, cp.Webhook.Port, webhook.MutatePodsEnabledPath),
		CAPEM: cp.Webhook.CAPEM, Body: reviewBody(b, req), N: b.N, InFlight: 16}
	dir := b.TempDir()
	jobFile, logFile := filepath.Join(dir, "job.json"), filepath.Join(dir, "client.log")
	data, err := json.Marshal(job)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(jobFile, data, 0o600); err != nil {
		b.Fatal(err)
	}
	cpu := processCPU(b)
	p, err := process.Start(os.Args[0], []string{"-test.run=^TestLoadClient$", "-test.v"},
		process.Options{LogFile: logFile, Env: append(os.Environ(), clientEnv+"="+jobFile)})
	if err != nil {
		b.Fatal(err)
	}
	<-p.Done()
	serverCPU := processCPU(b) - cpu
	res, err := readClientResult(logFile)
	if err != nil {
		b.Fatalf("load client (exit: %v): %v", p.ExitErr(), err)
	}
	b.ReportMetric(float64(b.N)/res.Elapsed.Seconds(), "admissions/s")
	b.ReportMetric(float64(serverCPU.Microseconds())/float64(b.N+clientWarmUp), "server-cpu-µs/admission")
	b.ReportMetric(float64(res.CPU.Microseconds())/float64(b.N), "client-cpu-µs/admission")
	reportPercentiles(b, res.Took)
}

// readClientResult reads the result line the client wrote to its log.
func readClientResult(logFile string) (*clientResult, error) {
	f, err := os.Open(logFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	var res *clientResult
	for sc.Scan() {
		var r clientResult
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.Elapsed > 0 {
			res = &r
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if res == nil {
		return nil, errors.New("no result in its output")
	}
	if res.Err != "" {
		return nil, errors.New(res.Err)
	}
	return res, nil
}

// TestLoadClient is the client process of
// BenchmarkAdmission/https-client-process; run any other way it has nothing
// to do.
func TestLoadClient(t *testing.T) {
	jobFile := os.Getenv(clientEnv)
	if jobFile == "" {
		t.Skip("the load client of BenchmarkAdmission/https-client-process; not a test of its own")
	}
	res := runLoadClient(jobFile)
	out, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(string(out))
	if res.Err != "" {
		t.Fatal(res.Err)
	}
}

// runLoadClient sends the job's reviews, InFlight at a time.
func runLoadClient(jobFile string) clientResult {
	var job clientJob
	data, err := os.ReadFile(jobFile)
	if err == nil {
		err = json.Unmarshal(data, &job)
	}
	if err != nil {
		return clientResult{Err: fmt.Sprintf("job: %v", err)}
	}
	client, err := newTLSClient(job.CAPEM)
	if err != nil {
		return clientResult{Err: err.Error()}
	}
	if _, err := sendAll(client, job, clientWarmUp); err != nil {
		return clientResult{Err: fmt.Sprintf("warm-up: %v", err)}
	}
	cpu, err := ownCPU()
	if err != nil {
		return clientResult{Err: err.Error()}
	}
	start := time.Now()
	took, err := sendAll(client, job, job.N)
	res := clientResult{Elapsed: time.Since(start), Took: took}
	if err != nil {
		return clientResult{Err: err.Error()}
	}
	end, err := ownCPU()
	if err != nil {
		return clientResult{Err: err.Error()}
	}
	res.CPU = end - cpu
	return res
}

// sendAll posts n reviews, job.InFlight at a time, and returns their
// latencies.
func sendAll(client reviewClient, job clientJob, n int) ([]time.Duration, error) {
	var (
		mu    sync.Mutex
		took  = make([]time.Duration, 0, n)
		first error
		wg    sync.WaitGroup
	)
	next := make(chan struct{}, n)
	for range n {
		next <- struct{}{}
	}
	close(next)
	for range job.InFlight {
		wg.Go(func() {
			for range next {
				t0 := time.Now()
				err := client.post(job.URL, job.Body)
				d := time.Since(t0)
				mu.Lock()
				took = append(took, d)
				if err != nil && first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(took)
	return took, first
}

// ownCPU is the CPU time (user and system) this process has used.
func ownCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}
