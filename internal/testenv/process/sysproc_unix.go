//go:build unix && !linux

package process

import "syscall"

// sysProcAttr puts the child in a process group of its own. There is no
// parent-death signal outside Linux: a parent killed with SIGKILL leaves its
// children running there.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// toolProcAttr has nothing to add without a parent-death signal.
func toolProcAttr() *syscall.SysProcAttr {
	return nil
}

// signalGroup sends sig to the process group pgid.
func signalGroup(pgid int, sig syscall.Signal) error {
	return syscall.Kill(-pgid, sig)
}
