package registry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

const (
	// readyTimeout bounds the wait for a started registry to answer; it
	// usually takes well under a second.
	readyTimeout = 30 * time.Second
	// stopTimeout is the grace period between SIGTERM and SIGKILL.
	stopTimeout = 10 * time.Second
	// logTailLines is how much of the log an error shows.
	logTailLines = 30
)

// errAddrInUse marks a registry that could not bind its port.
var errAddrInUse = errors.New("address already in use")

// process is a registry process whose output goes to a log file.
type process struct {
	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed once the process has exited
	waitErr error         // valid after done is closed
}

// startProcess runs "bin serve configPath" with stdout and stderr in logPath.
func startProcess(bin, configPath, logPath string) (*process, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("registry log: %w", err)
	}
	defer logFile.Close() // the child holds its own descriptor
	cmd := exec.Command(bin, "serve", configPath)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = childEnv()
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p := &process{cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// childEnv is our environment without REGISTRY_* variables, which would
// override the configuration file, and with OpenTelemetry export off: the
// registry otherwise sends traces to localhost:4318.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "REGISTRY_") && !strings.HasPrefix(kv, "OTEL_") {
			env = append(env, kv)
		}
	}
	return append(env, "OTEL_TRACES_EXPORTER=none", "OTEL_METRICS_EXPORTER=none", "OTEL_LOGS_EXPORTER=none")
}

// exited returns an error describing the exit once the process has exited,
// and nil while it runs.
func (p *process) exited() error {
	select {
	case <-p.done:
	default:
		return nil
	}
	err := fmt.Errorf("registry exited: %v", p.waitErr)
	if strings.Contains(p.logTail(), "address already in use") {
		err = fmt.Errorf("%w: %w", errAddrInUse, err)
	}
	return err
}

// stop sends SIGTERM, and SIGKILL if the process outlives stopTimeout.
func (p *process) stop() error {
	if p.exited() != nil {
		return nil
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("terminate registry: %w", err)
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(stopTimeout):
	}
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill registry: %w", err)
	}
	<-p.done
	return fmt.Errorf("registry ignored SIGTERM for %s and was killed", stopTimeout)
}

// logTail returns the last lines of the registry's log.
func (p *process) logTail() string {
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		return fmt.Sprintf("(registry log unreadable: %v)", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return "(registry log empty)"
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) > logTailLines {
		lines = lines[len(lines)-logTailLines:]
	}
	return "registry log (last lines):\n" + string(bytes.Join(lines, []byte("\n")))
}

// waitReady polls GET /v2/ until the registry answers 200 or 401 (auth
// required), the process exits, ctx ends or readyTimeout passes.
func (r *Registry) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	client := &http.Client{Transport: r.transport, Timeout: 2 * time.Second}
	ticker := time.NewTicker(50 * time.Millisecond)
	defer ticker.Stop()
	for {
		if err := r.proc.exited(); err != nil {
			return err
		}
		if err := ping(ctx, client, r.baseURL()+"/v2/"); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for GET /v2/: %w", context.Cause(ctx))
		case <-ticker.C:
		}
	}
}

func ping(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusUnauthorized {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}
