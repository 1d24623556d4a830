package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/imagepin/imagepin/internal/testenv/process"
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

// regProcess is a registry process, run by the harness's runner.
type regProcess struct {
	*process.Process
}

// startProcess runs "bin serve configPath" with stdout and stderr in logPath.
func startProcess(bin, configPath, logPath string) (*regProcess, error) {
	p, err := process.Start(bin, []string{"serve", configPath}, process.Options{LogFile: logPath, Env: childEnv()})
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	return &regProcess{p}, nil
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
func (p *regProcess) exited() error {
	err := p.Exited()
	if err != nil && strings.Contains(p.LogTail(logTailLines), "address already in use") {
		err = fmt.Errorf("%w: %w", errAddrInUse, err)
	}
	return err
}

// stop sends SIGTERM, and SIGKILL if the process outlives stopTimeout.
func (p *regProcess) stop() error {
	return p.Stop(stopTimeout)
}

// logTail returns the last lines of the registry's log.
func (p *regProcess) logTail() string {
	return "registry log (last lines):\n" + p.LogTail(logTailLines)
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
