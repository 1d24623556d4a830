//go:build !linux

package controlplane

import (
	"errors"
	"syscall"
)

// sysProcAttr has nothing to add where the parent-death signal and process
// groups are not available the Linux way.
func sysProcAttr() *syscall.SysProcAttr {
	return nil
}

// signalGroup is not supported here; the caller signals the process alone.
func signalGroup(int, syscall.Signal) error {
	return errors.ErrUnsupported
}
