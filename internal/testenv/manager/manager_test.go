package manager

import (
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/imagepin/imagepin/internal/testenv"
)

// fakeEnv makes the test binary play a manager instead of running the
// tests: "ready" serves /readyz on $ADDR and exits 0 on SIGTERM, "unclean"
// the same but exits 2, "crash" exits 3 at once.
const fakeEnv = "IMAGEPIN_TEST_FAKE_MANAGER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(fakeEnv); mode != "" {
		os.Exit(fake(mode, os.Getenv("ADDR")))
	}
	os.Exit(m.Run())
}

func fake(mode, addr string) int {
	if mode == "crash" {
		fmt.Println("no kubeconfig, giving up")
		return 3
	}
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	http.HandleFunc("/readyz", func(http.ResponseWriter, *http.Request) {})
	go func() { _ = http.ListenAndServe(addr, nil) }()
	fmt.Println("serving /readyz on", addr)
	<-term
	if mode == "unclean" {
		return 2
	}
	return 0
}

func fakeManager(t *testing.T, mode string) *Manager {
	addr := testenv.FreeAddrT(t)
	return &Manager{Bin: os.Args[0], Env: []string{fakeEnv + "=" + mode, "ADDR=" + addr},
		ProbeAddr: addr, LogFile: filepath.Join(t.TempDir(), "manager.log")}
}

// TestStartStop: Start returns once /readyz answers, Stop ends the process,
// and a restart appends to the same log.
func TestStartStop(t *testing.T) {
	m := fakeManager(t, "ready")
	for range 2 {
		if err := m.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		if resp, err := http.Get("http://" + m.ProbeAddr + "/readyz"); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("after Start, /readyz: %v %v", resp, err)
		}
		if m.Pid() == 0 {
			t.Error("Pid of a running manager is 0")
		}
		if err := m.Start(t.Context()); err == nil {
			t.Error("a second Start of a running manager succeeded")
		}
		if err := m.Stop(); err != nil {
			t.Fatal(err)
		}
		if m.Pid() != 0 {
			t.Error("Pid of a stopped manager is not 0")
		}
	}
	if err := m.Stop(); err != nil {
		t.Errorf("Stop of a stopped manager: %v", err)
	}
	if lines, err := m.LogLines("serving /readyz"); err != nil || len(lines) != 2 {
		t.Errorf("log lines of two starts: %q, %v", lines, err)
	}
}

// TestStartReportsAnExit: a manager that exits before it is ready fails
// Start at once, with the end of its log.
func TestStartReportsAnExit(t *testing.T) {
	err := fakeManager(t, "crash").Start(t.Context())
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "no kubeconfig, giving up") {
		t.Errorf("Start = %v, want the exit and the log", err)
	}
}

// TestStopReportsAnUncleanExit: a manager that does not exit 0 after
// SIGTERM fails Stop.
func TestStopReportsAnUncleanExit(t *testing.T) {
	m := fakeManager(t, "unclean")
	if err := m.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := m.Stop(); err == nil || !strings.Contains(err.Error(), "exit status 2") {
		t.Errorf("Stop = %v, want the unclean exit", err)
	}
}
