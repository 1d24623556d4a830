package process_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imagepin/imagepin/internal/testenv/process"
)

func start(t *testing.T, script string) *process.Process {
	t.Helper()
	p, err := process.Start("/bin/sh", []string{"-c", script}, process.Options{LogFile: filepath.Join(t.TempDir(), "log")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop(time.Second) })
	return p
}

func TestStopEndsAGracefulProcess(t *testing.T) {
	p := start(t, "echo started; exec sleep 300")
	waitFor(t, func() bool { return strings.Contains(p.LogTail(5), "started") })
	if err := p.Stop(time.Minute); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if p.Exited() == nil {
		t.Error("Exited is nil after Stop")
	}
}

func TestLogTail(t *testing.T) {
	p := start(t, "for i in 1 2 3 4 5; do echo line$i; done")
	<-p.Done()
	if got, want := p.LogTail(2), "line4\nline5"; got != want {
		t.Errorf("LogTail(2) = %q, want %q", got, want)
	}
	if p.ExitErr() != nil {
		t.Errorf("ExitErr = %v, want nil for status 0", p.ExitErr())
	}
}

func TestStartFailsForAMissingBinary(t *testing.T) {
	_, err := process.Start(filepath.Join(t.TempDir(), "none"), nil, process.Options{LogFile: filepath.Join(t.TempDir(), "log")})
	if err == nil {
		t.Fatal("Start of a missing binary succeeded")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 30s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
