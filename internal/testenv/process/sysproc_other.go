//go:build !unix

package process

import (
	"errors"
	"syscall"
)

// sysProcAttr has nothing to add where there are no process groups.
func sysProcAttr() *syscall.SysProcAttr {
	return nil
}

// toolProcAttr has nothing to add here.
func toolProcAttr() *syscall.SysProcAttr {
	return nil
}

// signalGroup is not supported here; the caller signals the process alone.
func signalGroup(int, syscall.Signal) error {
	return errors.ErrUnsupported
}
