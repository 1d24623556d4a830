//go:build unix

package testenv

import (
	"os"
	"syscall"
)

// lock takes the exclusive lock of f, waiting for it.
func lock(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
}

// tryLock takes the exclusive lock of f, or fails at once when another
// open file holds it.
func tryLock(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}
