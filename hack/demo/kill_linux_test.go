package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imagepin/imagepin/internal/testenv"
	"github.com/imagepin/imagepin/internal/testenv/buildtool"
	"github.com/imagepin/imagepin/internal/testenv/process"
)

const (
	// reportTimeout bounds a demo's start, up to its report, on a busy
	// machine whose components are built.
	reportTimeout = 5 * time.Minute
	// goneTimeout bounds the end of a demo's processes after a kill; a
	// demo whose parent died stops them gracefully, one after the other.
	goneTimeout = 2 * time.Minute
	// orphanTimeout bounds the run of a demo that should exit at once.
	orphanTimeout = time.Minute
	// reportLine is the demo's last line before it waits for the user.
	reportLine = "start to report:"
)

// wantComponents are the programs that a running demo has started, by the
// base names of their binaries.
var wantComponents = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "registry", "imagepin"}

// killEnv holds what the runs of one test share: the binaries, and the
// TMPDIR of the demos, where they put every folder they create.
type killEnv struct {
	work, tmp, demo, imagepin string
}

// TestKilledDemoLeavesNothingBehind runs the demo as make demo does, twice.
// The first run is killed with SIGKILL: no cleanup runs, yet no etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler, kwok, registry
// or manager may survive it. The second run must then start cleanly,
// remove the folders the first one left, and reach its report; its parent
// is killed with SIGKILL (as when make demo is killed), upon which the demo
// stops everything and removes its folders itself.
func TestKilledDemoLeavesNothingBehind(t *testing.T) {
	testenv.SkipShort(t, "runs the demo twice")
	env := newKillEnv(t)
	env.checkOrphanStartsNothing(t)

	first := env.start(t, false)
	first.waitReport(t)
	before := first.components(t)
	t.Logf("the first demo reported; killing it (%d processes below it)", len(before))
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	env.waitGone(t, "the demo was killed", before)
	stale := env.tmpEntries(t)
	if len(stale) == 0 {
		t.Fatalf("the killed demo left no folder in %s: nothing for the next start to remove", env.tmp)
	}

	t.Logf("nothing runs; it left %v", stale)
	second := env.start(t, true)
	second.waitReport(t)
	for _, name := range stale {
		if _, err := os.Stat(filepath.Join(env.tmp, name)); err == nil {
			t.Errorf("%s of the killed demo still exists after the next demo started", name)
		}
	}
	before = second.components(t)
	t.Logf("the second demo reported; killing its parent")
	if err := second.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	env.waitGone(t, "the demo's parent was killed", before)
	if out := second.output(); !strings.Contains(out, "stack: stopped; removed") {
		t.Errorf("the demo did not stop its stack when its parent died; its output ends:\n%s", process.Tail(second.out, 40))
	}
	if left := env.tmpEntries(t); len(left) > 0 {
		t.Errorf("the demo stopped by its parent's death left %v in %s", left, env.tmp)
	}
}

// newKillEnv builds the demo and imagepin, as make demo does, and ends
// every process that refers to the test's folders when the test ends.
func newKillEnv(t *testing.T) *killEnv {
	env := &killEnv{work: t.TempDir(), tmp: t.TempDir()}
	env.demo, env.imagepin = filepath.Join(env.work, "demo"), filepath.Join(env.work, "imagepin")
	t.Cleanup(env.killLeftovers)
	if err := buildtool.Build(t.Context(), "./hack/demo", env.demo); err != nil {
		t.Fatal(err)
	}
	if err := buildtool.Build(t.Context(), "./cmd/imagepin", env.imagepin); err != nil {
		t.Fatal(err)
	}
	return env
}

// demoRun is a started demo, with its output in a file.
type demoRun struct {
	cmd    *exec.Cmd
	out    string
	done   chan struct{} // closed once cmd has exited
	parent bool          // cmd is the demo's parent, a shell
}

// start runs the demo in the repository root with the components'
// environment of the test; with parent, under a shell that waits for it.
func (e *killEnv) start(t *testing.T, parent bool) *demoRun {
	root, err := buildtool.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.CreateTemp(e.work, "demo-*.log")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	// The demo's parent says who it is, as hack/demo.sh does.
	cmd := exec.Command(e.demo)
	cmd.Env = append(e.environ(), parentEnv+"="+strconv.Itoa(os.Getpid()))
	if parent {
		// Not exec'd by the shell: the command after it keeps it a child.
		cmd = exec.Command("/bin/sh", "-c", parentEnv+`=$$ "$0"; echo "demo exited: $?"`, e.demo)
		cmd.Env = e.environ()
	}
	cmd.Dir, cmd.Stdout, cmd.Stderr = root, out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &demoRun{cmd: cmd, out: out.Name(), done: make(chan struct{}), parent: parent}
	go func() {
		_ = cmd.Wait()
		close(r.done)
	}()
	return r
}

// environ is the environment of the demos.
func (e *killEnv) environ() []string {
	return append(os.Environ(), "TMPDIR="+e.tmp, "IMAGEPIN_BINARY="+e.imagepin)
}

// checkOrphanStartsNothing runs the demo as hack/demo.sh would after make
// died during the build: its parent (here: us) is not the one named. It
// must exit at once and start nothing.
func (e *killEnv) checkOrphanStartsNothing(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), orphanTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.demo)
	cmd.Env = append(e.environ(), parentEnv+"=1")
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "has exited") {
		t.Errorf("the demo whose make has exited: %v, output:\n%s", err, out)
	}
	if left := e.tmpEntries(t); len(left) > 0 {
		t.Errorf("the demo whose make has exited created %v", left)
	}
}

func (r *demoRun) output() string {
	data, _ := os.ReadFile(r.out)
	return string(data)
}

// waitReport waits until the demo has printed its report.
func (r *demoRun) waitReport(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(reportTimeout)
	for !strings.Contains(r.output(), reportLine) {
		select {
		case <-r.done:
			t.Fatalf("the demo exited before its report; its output ends:\n%s", process.Tail(r.out, 40))
		case <-time.After(250 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no report after %s; the demo's output ends:\n%s", reportTimeout, process.Tail(r.out, 40))
		}
	}
}

// components returns the processes below the demo, and fails t unless
// every component is among them: else the test would prove nothing.
func (r *demoRun) components(t *testing.T) []proc {
	t.Helper()
	below := descendants(readProcs(), r.cmd.Process.Pid)
	var names []string
	for _, p := range below {
		names = append(names, p.name())
	}
	for _, want := range wantComponents {
		if !slices.Contains(names, want) {
			t.Fatalf("no %s process below the demo; its processes: %v", want, names)
		}
	}
	return below
}

// waitGone waits until none of before runs and no process refers to the
// test's folders.
func (e *killEnv) waitGone(t *testing.T, after string, before []proc) {
	t.Helper()
	deadline := time.Now().Add(goneTimeout)
	for {
		left := e.leftovers(before)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s %s ago; still running:\n%s", after, goneTimeout, describe(left))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// leftovers returns the processes of before that still run, and any other
// that refers to the test's folders.
func (e *killEnv) leftovers(before []proc) []proc {
	var left []proc
	for _, p := range readProcs() {
		started := slices.ContainsFunc(before, func(b proc) bool { return b.pid == p.pid && slices.Equal(b.argv, p.argv) })
		if started || p.refersTo([]string{e.work, e.tmp}) {
			left = append(left, p)
		}
	}
	return left
}

// killLeftovers kills, by pid, what a failed run left of the processes
// the test started, so that they do not outlive it.
func (e *killEnv) killLeftovers() {
	for _, p := range e.leftovers(nil) {
		_ = syscall.Kill(p.pid, syscall.SIGKILL)
	}
}

// tmpEntries lists the demos' TMPDIR.
func (e *killEnv) tmpEntries(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(e.tmp)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(entries))
	for i, entry := range entries {
		names[i] = entry.Name()
	}
	return names
}

func describe(procs []proc) string {
	var b strings.Builder
	for _, p := range procs {
		fmt.Fprintf(&b, "  pid %d (parent %d) in %s: %s\n", p.pid, p.ppid, p.cwd, strings.Join(p.argv, " "))
	}
	return b.String()
}
