package main

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// stopWithParent asks the kernel for SIGTERM when our parent dies -- make,
// when make demo is killed, even with SIGKILL -- which then stops
// everything as Ctrl-C does. Our own children die with us in any case
// (internal/testenv/process).
//
// A parent that died before we asked sends nothing: make killed while
// hack/demo.sh was still building, which then ran us anyway. The script
// names the parent we should have in parentEnv; when another one has
// adopted us, it fails.
func stopWithParent() error {
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGTERM), 0, 0, 0); err != nil {
		return fmt.Errorf("ask for SIGTERM when the parent dies: %w", err)
	}
	if want := os.Getenv(parentEnv); want != "" && want != strconv.Itoa(os.Getppid()) {
		return fmt.Errorf("the process that ran make demo (pid %s) has exited", want)
	}
	return nil
}
