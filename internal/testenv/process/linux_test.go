package process_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imagepin/imagepin/internal/testenv/process"
)

// parentEnv makes the test binary act as a parent that starts a child
// through the runner (the variable holds its log) or, when the variable is
// "command", through Command, prints the child's pid and waits to be
// killed.
const parentEnv = "PROCESS_TEST_PARENT"

func TestMain(m *testing.M) {
	if how := os.Getenv(parentEnv); how != "" {
		pid, err := startChild(how)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println(pid)
		time.Sleep(5 * time.Minute)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func startChild(how string) (int, error) {
	if how == "command" {
		cmd := process.Command(context.Background(), "/bin/sleep", "300")
		err := cmd.Start()
		if err != nil {
			return 0, err
		}
		return cmd.Process.Pid, nil
	}
	p, err := process.Start("/bin/sleep", []string{"300"}, process.Options{LogFile: how})
	if err != nil {
		return 0, err
	}
	return p.Pid(), nil
}

// TestChildDiesWithItsKilledParent SIGKILLs a parent that started a child
// through the runner: the parent runs no cleanup, and the kernel must end
// the child (the demo killed with SIGKILL leaves no etcd behind).
func TestChildDiesWithItsKilledParent(t *testing.T) {
	testChildDies(t, filepath.Join(t.TempDir(), "child.log"))
}

// TestToolDiesWithItsKilledParent is the same for a tool started with
// Command (the demo killed during helm install leaves no helm behind).
func TestToolDiesWithItsKilledParent(t *testing.T) {
	testChildDies(t, "command")
}

func testChildDies(t *testing.T, how string) {
	parent := exec.Command(os.Args[0], "-test.run=^$")
	parent.Env = append(os.Environ(), parentEnv+"="+how)
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	defer parent.Wait()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = parent.Process.Kill()
		t.Fatalf("read the child's pid: %v", err)
	}
	child, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		_ = parent.Process.Kill()
		t.Fatalf("parent said %q: %v", line, err)
	}
	if !alive(child) {
		t.Fatalf("child %d is not running before its parent is killed", child)
	}
	if err := parent.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for alive(child) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(child, syscall.SIGKILL)
			t.Fatalf("child %d still runs 30s after its parent was killed", child)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestStopKillsTheGroupAfterTheGracePeriod has a shell and its child both
// ignore SIGTERM: Stop must kill them both, the whole process group.
func TestStopKillsTheGroupAfterTheGracePeriod(t *testing.T) {
	p := start(t, `trap "" TERM; sleep 300 & echo $!; wait`)
	var sleep int
	waitFor(t, func() bool {
		sleep, _ = strconv.Atoi(p.LogTail(1))
		return sleep > 0
	})
	t.Cleanup(func() { _ = syscall.Kill(sleep, syscall.SIGKILL) }) // should the test fail
	err := p.Stop(200 * time.Millisecond)
	if !errors.Is(err, process.ErrKilled) {
		t.Fatalf("Stop = %v, want ErrKilled", err)
	}
	waitFor(t, func() bool { return !alive(sleep) })
}

// alive reports whether pid runs: it exists and is not a zombie waiting for
// a parent that does not reap (PID 1 of a container may not).
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses.
	s := string(stat)
	rest := s[strings.LastIndexByte(s, ')')+1:]
	return !strings.HasPrefix(strings.TrimSpace(rest), "Z")
}
