package gitrepo

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/go-git/go-billy/v5"
)

// ErrCacheFull means a clone does not fit in the cache's budget
// (Options.CacheMaxBytes), even with every other clone removed.
var ErrCacheFull = errors.New("the Git cache is full")

// errQuota is what a refused file write returns to go-git.
var errQuota = errors.New("write refused: over the Git cache's budget")

// quota is the disk budget of the cache folder, shared by all writes.
// used is the size of the folder when last measured, plus what writes
// added since: a write that would take it past max is refused, so that a
// repository (or a server) of any size cannot fill the disk.
type quota struct {
	dir string
	max int64 // 0: no budget

	mu   sync.Mutex
	used int64
}

// charge counts n more bytes, or refuses them.
func (q *quota) charge(n int64) bool {
	if q.max <= 0 {
		return true
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.used+n > q.max {
		return false
	}
	q.used += n
	return true
}

// measure sets used to the folder's disk usage. Bytes of writes under way
// that are on disk already are counted once: the measure replaces what
// they charged.
func (q *quota) measure() int64 {
	n := diskUsage(q.dir)
	q.mu.Lock()
	q.used = n
	q.mu.Unlock()
	return n
}

func (q *quota) usage() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.used
}

// diskUsage is what the files under dir take on disk (in blocks, as an
// emptyDir's sizeLimit counts them), or their sizes where blocks are not
// known.
func diskUsage(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // gone meanwhile: not counted
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			n += st.Blocks * 512
		} else {
			n += info.Size()
		}
		return nil
	})
	return n
}

// quotaOp is the quota seen by one write: it remembers whether it refused
// anything, however go-git wraps the error.
type quotaOp struct {
	q *quota

	mu      sync.Mutex
	refused bool
}

func (o *quotaOp) charge(n int64) error {
	if o.q.charge(n) {
		return nil
	}
	o.mu.Lock()
	o.refused = true
	o.mu.Unlock()
	return errQuota
}

func (o *quotaOp) wasRefused() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.refused
}

// quotaFS is a filesystem whose file writes are charged to a quotaOp.
type quotaFS struct {
	billy.Filesystem
	op *quotaOp
}

func (f quotaFS) Create(name string) (billy.File, error) {
	return f.wrap(f.Filesystem.Create(name))
}

func (f quotaFS) OpenFile(name string, flag int, perm os.FileMode) (billy.File, error) {
	return f.wrap(f.Filesystem.OpenFile(name, flag, perm))
}

func (f quotaFS) TempFile(dir, prefix string) (billy.File, error) {
	return f.wrap(f.Filesystem.TempFile(dir, prefix))
}

func (f quotaFS) Chroot(path string) (billy.Filesystem, error) {
	inner, err := f.Filesystem.Chroot(path)
	if err != nil {
		return nil, err
	}
	return quotaFS{Filesystem: inner, op: f.op}, nil
}

// Chmod passes on to the inner filesystem, which go-git uses to make
// object files read-only.
func (f quotaFS) Chmod(name string, mode os.FileMode) error {
	if c, ok := f.Filesystem.(billy.Chmod); ok {
		return c.Chmod(name, mode)
	}
	return nil
}

func (f quotaFS) wrap(file billy.File, err error) (billy.File, error) {
	if err != nil {
		return nil, err
	}
	return quotaFile{File: file, op: f.op}, nil
}

// quotaFile charges its writes before it makes them.
type quotaFile struct {
	billy.File
	op *quotaOp
}

func (f quotaFile) Write(p []byte) (int, error) {
	if err := f.op.charge(int64(len(p))); err != nil {
		return 0, err
	}
	return f.File.Write(p)
}
