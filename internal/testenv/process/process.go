package process

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// ErrKilled marks a Stop that had to kill a process which outlived its
// grace period after SIGTERM.
var ErrKilled = errors.New("ignored SIGTERM and was killed")

// Options are what Start needs besides the command line.
type Options struct {
	// LogFile receives the process's standard output and error. It is
	// appended to, so a process restarted with the same file keeps one log.
	LogFile string
	// Env is the process's whole environment; nil means ours.
	Env []string
	// Dir is the working directory; empty means ours.
	Dir string
}

// Process is a started child process.
type Process struct {
	cmd     *exec.Cmd
	logFile string
	done    chan struct{} // closed once the process has exited

	mu  sync.Mutex
	err error // the exit, valid once done is closed
}

// Start runs bin with args. The process gets a process group of its own,
// which Stop signals as a whole, and on Linux the kernel kills it when the
// thread that started it dies (the parent dies without cleaning up), so no
// component outlives a test binary that panics or a demo killed with SIGKILL.
func Start(bin string, args []string, opts Options) (*Process, error) {
	log, err := os.OpenFile(opts.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("log of %s: %w", bin, err)
	}
	defer log.Close() // the child holds its own descriptor
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Env, cmd.Dir = opts.Env, opts.Dir
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p := &Process{cmd: cmd, logFile: opts.LogFile, done: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(p.done)
	}()
	return p, nil
}

// Pid returns the process id.
func (p *Process) Pid() int {
	return p.cmd.Process.Pid
}

// Done is closed once the process has exited.
func (p *Process) Done() <-chan struct{} {
	return p.done
}

// Exited returns an error describing the exit once the process has exited,
// and nil while it runs.
func (p *Process) Exited() error {
	select {
	case <-p.done:
	default:
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return fmt.Errorf("%s exited: %v", p.cmd.Path, p.err)
}

// ExitErr returns the error of the exit (nil for status 0) once the process
// has exited, and nil while it runs.
func (p *Process) ExitErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Stop sends SIGTERM to the process group and waits for the process to
// exit; after grace it sends SIGKILL and returns an error wrapping
// ErrKilled. Stopping an exited process does nothing.
func (p *Process) Stop(grace time.Duration) error {
	if p.Exited() != nil {
		return nil
	}
	if err := p.signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("terminate %s: %w", p.cmd.Path, err)
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(grace):
	}
	if err := p.signal(syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill %s: %w", p.cmd.Path, err)
	}
	<-p.done
	return fmt.Errorf("%s %w after %s", p.cmd.Path, ErrKilled, grace)
}

// signal signals the process's group, or the process alone where it has
// no group of its own.
func (p *Process) signal(sig syscall.Signal) error {
	err := signalGroup(p.cmd.Process.Pid, sig)
	if err != nil {
		err = p.cmd.Process.Signal(sig)
	}
	if errors.Is(err, os.ErrProcessDone) {
		return nil
	}
	return err
}
