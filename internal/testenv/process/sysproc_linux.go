package process

import "syscall"

// sysProcAttr puts the child in a process group of its own and has the
// kernel kill it when its parent dies without cleaning up, so that no
// orphan keeps running against a removed temporary folder.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// toolProcAttr has the kernel kill a short-lived tool when its parent
// dies; the tool stays in our process group.
func toolProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// signalGroup sends sig to the process group pgid.
func signalGroup(pgid int, sig syscall.Signal) error {
	return syscall.Kill(-pgid, sig)
}
