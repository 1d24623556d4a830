package stack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

const (
	// readyTimeout bounds the wait for /readyz: the manager must obtain its
	// certificate, write the caBundle and sync its caches, on a busy machine.
	readyTimeout = 2 * time.Minute
	// stopTimeout is the grace period between SIGTERM and SIGKILL.
	stopTimeout = 30 * time.Second
)

// Manager is an `imagepin manager` process. Start and Stop may alternate:
// the scenario stops the manager to see how the API server behaves without it.
type Manager struct {
	// Bin and Args are the command line.
	Bin  string
	Args []string
	// WebhookAddr, ProbeAddr and MetricsAddr are "127.0.0.1:PORT" of the
	// webhook server, /healthz and /readyz, and /metrics.
	WebhookAddr, ProbeAddr, MetricsAddr string
	// ReceiverAddr is "127.0.0.1:PORT" of the registry notification
	// receiver; its token is in the chart's receiver Secret.
	ReceiverAddr string
	// LogFile receives the manager's output, appended across restarts.
	LogFile string
	// Kubeconfig is the manager's kubeconfig: it impersonates the chart's
	// ServiceAccount.
	Kubeconfig string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	err  error         // cmd's exit, valid once done is closed
}

// Start runs the manager and waits until /readyz answers 200.
func (m *Manager) Start(ctx context.Context) error {
	if err := m.launch(); err != nil {
		return err
	}
	if err := m.waitReady(ctx); err != nil {
		return errors.Join(fmt.Errorf("imagepin manager not ready: %w\n%s", err, m.LogTail()), m.Stop())
	}
	return nil
}

func (m *Manager) launch() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cmd != nil {
		return errors.New("imagepin manager is already running")
	}
	log, err := os.OpenFile(m.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("manager log: %w", err)
	}
	defer log.Close() // the child holds its own descriptor
	cmd := exec.Command(m.Bin, m.Args...)
	cmd.Stdout, cmd.Stderr = log, log
	// Its own process group, so that a Ctrl-C of the demo reaches only the
	// demo, which then stops the manager in order; and killed with its
	// parent, should the parent die without cleaning up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", m.Bin, err)
	}
	done := make(chan struct{})
	m.cmd, m.done = cmd, done
	go func() {
		err := cmd.Wait()
		m.mu.Lock()
		m.err = err
		m.mu.Unlock()
		close(done)
	}()
	return nil
}

func (m *Manager) waitReady(ctx context.Context) error {
	m.mu.Lock()
	done := m.done
	m.mu.Unlock()
	url := "http://" + m.ProbeAddr + "/readyz"
	return wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, readyTimeout, true, func(ctx context.Context) (bool, error) {
		select {
		case <-done:
			return false, fmt.Errorf("exited: %w", m.exitErr())
		default:
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

func (m *Manager) exitErr() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

// Stop sends SIGTERM and waits for the manager to exit (SIGKILL after a
// grace period). It returns an error when the manager did not exit cleanly.
// Stopping a stopped manager does nothing.
func (m *Manager) Stop() error {
	m.mu.Lock()
	cmd, done := m.cmd, m.done
	m.cmd = nil
	m.mu.Unlock()
	if cmd == nil {
		return nil
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signal imagepin manager: %w", err)
	}
	select {
	case <-done:
	case <-time.After(stopTimeout):
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("imagepin manager ignored SIGTERM for %s and was killed\n%s", stopTimeout, m.LogTail())
	}
	if err := m.exitErr(); err != nil {
		return fmt.Errorf("imagepin manager exited with %w after SIGTERM\n%s", err, m.LogTail())
	}
	return nil
}

// Pid returns the process id of the running manager, 0 when it is stopped.
func (m *Manager) Pid() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cmd == nil {
		return 0
	}
	return m.cmd.Process.Pid
}

// LogTail returns the last lines of the manager's log, for error messages.
func (m *Manager) LogTail() string {
	data, err := os.ReadFile(m.LogFile)
	if err != nil {
		return ""
	}
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return string(bytes.Join(lines, []byte("\n")))
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
