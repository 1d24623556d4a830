package scanload

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imagepin/imagepin/internal/testenv"
	"github.com/imagepin/imagepin/internal/testenv/controlplane"
	"github.com/imagepin/imagepin/internal/testenv/manager"
)

// managerArgsEnv adds flags to the manager under test, e.g.
// IMAGEPIN_BENCH_MANAGER_ARGS="--kube-api-qps=50 --scan-concurrency=4" to
// measure other settings than the defaults with the same build; several
// sets separated by ";" run one after the other (see managerArgSets). A
// word NAME=VALUE that is not a flag sets an environment variable of the
// manager, e.g. GOMEMLIMIT=100MiB.
const managerArgsEnv = "IMAGEPIN_BENCH_MANAGER_ARGS"

// binEnv names an imagepin binary to measure instead of one built from
// this checkout, e.g. one built before a change.
const binEnv = "IMAGEPIN_BENCH_BIN"

// cpuProfileEnv names a folder where the benchmarks write CPU profiles of
// the manager, one per measured cycle (go tool pprof imagepin FILE).
const cpuProfileEnv = "IMAGEPIN_BENCH_CPUPROFILE"

// benchManager is an `imagepin manager` process under measurement.
type benchManager struct {
	*manager.Manager
	pprofAddr string
}

func buildImagepin(b *testing.B) string {
	if bin := os.Getenv(binEnv); bin != "" {
		return bin
	}
	bin, err := manager.Build(b.Context(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	return bin
}

// startManager runs the manager until b ends, without waiting for
// readiness: the phases measure from its start.
func startManager(b *testing.B, bin string, cp *controlplane.ControlPlane, extra []string) *benchManager {
	m := &benchManager{Manager: &manager.Manager{Bin: bin, MetricsAddr: testenv.FreeAddrT(b),
		WebhookAddr: fmt.Sprintf("127.0.0.1:%d", cp.Webhook.Port), LogFile: filepath.Join(b.TempDir(), "manager.log"),
		Kubeconfig: cp.Kubeconfig}, pprofAddr: testenv.FreeAddrT(b)}
	m.Args = []string{"manager", "--kubeconfig", cp.Kubeconfig, "--leader-elect=false",
		"--cert-mode", "external", "--cert-dir", cp.Webhook.CertDir, "--webhook-bind-address", m.WebhookAddr,
		"--metrics-bind-address", m.MetricsAddr, "--metrics-secure=false", "--pprof-bind-address", m.pprofAddr,
		"--health-probe-bind-address", "0", "--receiver-bind-address", "0"}
	for _, a := range extra {
		if !strings.HasPrefix(a, "-") && strings.Contains(a, "=") {
			m.Env = append(m.Env, a)
		} else {
			m.Args = append(m.Args, a)
		}
	}
	manager.StartT(b, m.Manager)
	return m
}

// stop stops the manager, which must exit cleanly.
func (m *benchManager) stop(b *testing.B) {
	if err := m.Stop(); err != nil {
		b.Error(err)
	}
}

// peakRSSMiB reads the process's high-water mark of resident memory. It
// counts the pages of the executable mapped from the page cache (RssFile),
// some 55 MiB of an imagepin binary, as well as its own memory (RssAnon).
func (m *benchManager) peakRSSMiB(b *testing.B) float64 { return m.statusMiB(b, "VmHWM:") }

// anonRSSMiB reads the process's resident memory that is its own, not
// mapped from files: the Go heap, stacks and runtime.
func (m *benchManager) anonRSSMiB(b *testing.B) float64 { return m.statusMiB(b, "RssAnon:") }

// statusMiB reads a field in kB of /proc/PID/status.
func (m *benchManager) statusMiB(b *testing.B, field string) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", m.Pid()))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(rest), "%f", &kb)
			return kb / 1024
		}
	}
	b.Fatalf("no %s in /proc status", field)
	return 0
}

// cpuSeconds reads the CPU time the process has used (user + system).
func (m *benchManager) cpuSeconds(b *testing.B) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", m.Pid()))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command name, which is in parentheses: state is the
	// first, utime the 12th and stime the 13th.
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	var utime, stime float64
	fmt.Sscanf(fields[11], "%f", &utime)
	fmt.Sscanf(fields[12], "%f", &stime)
	return (utime + stime) / 100 // USER_HZ
}

// profileCPU starts a CPU profile of d when cpuProfileEnv is set and
// returns a function that waits for it and writes it as name.pprof there.
func (m *benchManager) profileCPU(b *testing.B, ctx context.Context, name string, d time.Duration) func() {
	dir := os.Getenv(cpuProfileEnv)
	if dir == "" {
		return func() {}
	}
	done := make(chan error, 1)
	go func() {
		done <- fetchProfile(ctx, fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", m.pprofAddr, int(d.Seconds())),
			filepath.Join(dir, profileName(b.Name(), name)))
	}()
	return func() {
		if err := <-done; err != nil {
			b.Logf("CPU profile %s: %v", name, err)
		}
	}
}

// profileHeap writes the manager's heap profile as name.pprof into the
// folder of cpuProfileEnv, when that is set (go tool pprof -sample_index=inuse_space).
func (m *benchManager) profileHeap(b *testing.B, ctx context.Context, name string) {
	dir := os.Getenv(cpuProfileEnv)
	if dir == "" {
		return
	}
	err := fetchProfile(ctx, fmt.Sprintf("http://%s/debug/pprof/heap?gc=1", m.pprofAddr),
		filepath.Join(dir, profileName(b.Name(), name+"-heap")))
	if err != nil {
		b.Logf("heap profile %s: %v", name, err)
	}
}

// profileName is the file of the profile of phase in benchmark bench.
func profileName(bench, phase string) string {
	clean := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>| `, r) {
			return '_'
		}
		return r
	}, bench)
	return clean + "-" + phase + ".pprof"
}

func fetchProfile(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// liveHeapMiB collects the manager's garbage and reads what is left of
// its heap: HeapAlloc of the runtime.MemStats that /debug/pprof/heap prints
// after the collection that gc=1 asks for.
func (m *benchManager) liveHeapMiB(b *testing.B, ctx context.Context) float64 {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://%s/debug/pprof/heap?gc=1&debug=1", m.pprofAddr), nil)
	if err != nil {
		b.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatalf("heap of the manager: %v", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "# HeapAlloc = "); ok {
			var n float64
			fmt.Sscanf(rest, "%f", &n)
			return n / (1 << 20)
		}
	}
	b.Fatalf("no HeapAlloc in the manager's heap profile (%v)", sc.Err())
	return 0
}
