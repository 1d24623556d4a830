package controlplane

import "syscall"

// sysProcAttr puts a component in a process group of its own, which stop
// signals as a whole, and makes the kernel kill it when the test binary (or
// the demo) dies without running its cleanups, so that no orphan keeps
// running against a removed temporary folder.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// signalGroup sends sig to the process group pgid.
func signalGroup(pgid int, sig syscall.Signal) error {
	return syscall.Kill(-pgid, sig)
}
