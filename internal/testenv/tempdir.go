package testenv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ownerFile is the file in each folder of NewTempDir that its owner keeps
// locked while it lives.
const ownerFile = ".owner"

// TempDir is a temporary folder that this process owns: it holds a lock on
// a file inside, which the kernel releases when the process dies, however
// it dies. NewTempDir therefore knows a folder whose lock it can take as
// the leftover of a dead process -- a demo or a test binary killed with
// SIGKILL runs no cleanup -- and removes it. A lock, not a recorded pid: a
// pid may be reused by an unrelated process, a lock never outlives its
// owner.
type TempDir struct {
	// Path is the folder.
	Path string

	owner *os.File // holds the lock; closed by Remove
}

// NewTempDir creates a new folder in os.TempDir() whose name starts with
// prefix, as os.MkdirTemp does, after removing the folders of that prefix
// whose owners have died. Where there are no file locks (outside Unix),
// nothing is removed.
func NewTempDir(prefix string) (*TempDir, error) {
	sweep(prefix)
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	owner, err := own(dir)
	if err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	return &TempDir{Path: dir, owner: owner}, nil
}

// own locks a new file in dir and only then gives it the name that sweep
// looks for, so that sweep never finds the owner file of a live process
// unlocked.
func own(dir string) (*os.File, error) {
	f, err := os.CreateTemp(dir, ownerFile+"-*")
	if err != nil {
		return nil, fmt.Errorf("owner file: %w", err)
	}
	// For people who look: the lock says whether the pid still owns it.
	_, err = fmt.Fprintf(f, "pid %d\n", os.Getpid())
	if err == nil {
		err = lock(f)
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(dir, ownerFile))
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("own %s: %w", dir, err), f.Close())
	}
	return f, nil
}

// Remove removes the folder and gives up its ownership. Removing a removed
// folder does nothing.
func (d *TempDir) Remove() error {
	err := os.RemoveAll(d.Path)
	if cerr := d.owner.Close(); cerr != nil && !errors.Is(cerr, os.ErrClosed) {
		err = errors.Join(err, cerr)
	}
	return err
}

// sweep removes the folders of prefix in os.TempDir() whose owners have
// died. It does its best and reports nothing: a folder it cannot remove
// is no reason to fail the start of a new one.
func sweep(prefix string) {
	tmp := os.TempDir()
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), prefix) {
			removeOrphan(filepath.Join(tmp, e.Name()))
		}
	}
}

// removeOrphan removes dir when the lock of its owner file is free. A
// folder without an owner file is left alone: it is being created, or
// was not made by NewTempDir.
func removeOrphan(dir string) {
	f, err := os.Open(filepath.Join(dir, ownerFile))
	if err != nil {
		return
	}
	defer f.Close()
	if tryLock(f) == nil {
		_ = os.RemoveAll(dir)
	}
}
