//go:build !linux

package registry

import "syscall"

// sysProcAttr has nothing to add where the parent-death signal is unavailable.
func sysProcAttr() *syscall.SysProcAttr {
	return nil
}
