package registry

import "syscall"

// sysProcAttr makes the kernel kill the registry when the test binary dies
// without running its cleanups (a test timeout panics, for example), so no
// orphaned registry keeps its port and temporary folder.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
