package manager

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/imagepin/imagepin/internal/testenv/process"
)

const (
	// readyTimeout bounds the wait for /readyz: the manager must obtain its
	// certificate, write the caBundle and sync its caches, on a busy machine.
	readyTimeout = 2 * time.Minute
	// stopTimeout is the grace period between SIGTERM and SIGKILL.
	stopTimeout = 30 * time.Second
	// logTailLines is how much of the log an error shows.
	logTailLines = 40
)

// Manager is an `imagepin manager` process. Start and Stop may alternate:
// a test stops the manager to see how the API server behaves without it.
type Manager struct {
	// Bin and Args are the command line.
	Bin  string
	Args []string
	// Env is added to our environment for the manager.
	Env []string
	// WebhookAddr, ProbeAddr and MetricsAddr are "127.0.0.1:PORT" of the
	// webhook server, /healthz and /readyz, and /metrics, as Args give
	// them. Without ProbeAddr, Start does not wait for readiness.
	WebhookAddr, ProbeAddr, MetricsAddr string
	// ReceiverAddr is "127.0.0.1:PORT" of the registry notification
	// receiver.
	ReceiverAddr string
	// LogFile receives the manager's output, appended across restarts.
	LogFile string
	// Kubeconfig is the manager's kubeconfig, as Args give it.
	Kubeconfig string

	mu   sync.Mutex
	proc *process.Process // nil while stopped
}

// Start runs the manager and waits until /readyz on ProbeAddr answers 200.
func (m *Manager) Start(ctx context.Context) error {
	if err := m.launch(); err != nil {
		return err
	}
	if m.ProbeAddr == "" {
		return nil
	}
	if err := m.waitReady(ctx); err != nil {
		return errors.Join(fmt.Errorf("imagepin manager not ready: %w\n%s", err, m.LogTail()), m.Stop())
	}
	return nil
}

// launch starts the manager through the harness's runner: a process group
// of its own, so that a Ctrl-C of the demo reaches only the demo, which then
// stops the manager in order; and killed with its parent, should the parent
// die without cleaning up.
func (m *Manager) launch() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.proc != nil {
		return errors.New("imagepin manager is already running")
	}
	opts := process.Options{LogFile: m.LogFile}
	if len(m.Env) > 0 {
		opts.Env = append(os.Environ(), m.Env...)
	}
	p, err := process.Start(m.Bin, m.Args, opts)
	if err != nil {
		return fmt.Errorf("imagepin manager: %w", err)
	}
	m.proc = p
	return nil
}

func (m *Manager) waitReady(ctx context.Context) error {
	m.mu.Lock()
	p := m.proc
	m.mu.Unlock()
	url := "http://" + m.ProbeAddr + "/readyz"
	return wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, readyTimeout, true, func(ctx context.Context) (bool, error) {
		if err := p.Exited(); err != nil {
			return false, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false, nil // not listening yet
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
}

// Stop sends SIGTERM and waits for the manager to exit (SIGKILL after a
// grace period). It returns an error when the manager did not exit cleanly.
// Stopping a stopped manager does nothing.
func (m *Manager) Stop() error {
	m.mu.Lock()
	p := m.proc
	m.proc = nil
	m.mu.Unlock()
	if p == nil {
		return nil
	}
	if err := p.Stop(stopTimeout); err != nil {
		return fmt.Errorf("imagepin manager: %w\n%s", err, m.LogTail())
	}
	if err := p.ExitErr(); err != nil {
		return fmt.Errorf("imagepin manager exited with %w after SIGTERM\n%s", err, m.LogTail())
	}
	return nil
}

// Pid returns the process id of the running manager, 0 when it is stopped.
func (m *Manager) Pid() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.proc == nil {
		return 0
	}
	return m.proc.Pid()
}

// LogTail returns the last lines of the manager's log, for error messages.
func (m *Manager) LogTail() string {
	return process.Tail(m.LogFile, logTailLines)
}

// LogLines returns the lines of the manager's log that contain substr.
func (m *Manager) LogLines(substr string) ([]string, error) {
	data, err := os.ReadFile(m.LogFile)
	if err != nil {
		return nil, fmt.Errorf("manager log: %w", err)
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, substr) {
			out = append(out, line)
		}
	}
	return out, nil
}
