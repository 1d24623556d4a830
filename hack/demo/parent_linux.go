package main

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// stopWithParent asks the kernel for SIGTERM when our parent dies -- make,
// when make demo is killed, even with SIGKILL -- which then stops
// everything as Ctrl-C does. Our own children die with us in any case
// (internal/testenv/process).
func stopWithParent() error {
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGTERM), 0, 0, 0); err != nil {
		return fmt.Errorf("ask for SIGTERM when the parent dies: %w", err)
	}
	return nil
}
