package controlplane

import (
	"errors"
	"os"
	"time"

	"github.com/imagepin/imagepin/internal/testenv/process"
)

const (
	// stopGrace is how long a component may take to end after SIGTERM.
	stopGrace = 15 * time.Second
	// logTailLines is how much of a component's log an error shows.
	logTailLines = 30
)

// startProcess runs bin with args, with env added to our environment and
// its output in logPath, through the harness's runner: no component outlives
// a test binary that panics or times out.
func startProcess(bin string, args, env []string, logPath string) (*process.Process, error) {
	opts := process.Options{LogFile: logPath}
	if len(env) > 0 {
		opts.Env = append(os.Environ(), env...)
	}
	return process.Start(bin, args, opts)
}

// stopProcess stops a component; one that had to be killed is no failure:
// the control plane is being torn down.
func stopProcess(p *process.Process) error {
	if err := p.Stop(stopGrace); err != nil && !errors.Is(err, process.ErrKilled) {
		return err
	}
	return nil
}
