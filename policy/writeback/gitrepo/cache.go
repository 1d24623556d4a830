package gitrepo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

const (
	remoteName = "origin"
	// maxPacks bounds the pack files that fetches accumulate in a clone:
	// go-git does not repack, and every pack slows object lookups. Past
	// it, the clone is made again (a fetch of the head: see depth).
	maxPacks = 64
	// looseLimit is how many loose objects (the Writer's own commits,
	// trees and blobs: one file each) a clone may hold before they are
	// packed into one file.
	looseLimit = 64
	// objectCacheSize bounds the decoded objects go-git keeps in memory
	// for one open clone (its default is 96 MiB).
	objectCacheSize = 16 * cache.MiByte
)

// cacheDir is the clone of t in w's cache folder: one per repository,
// branch and credentials.
func (w *Writer) cacheDir(t Target) string {
	sum := sha256.Sum256([]byte(t.URL + "\x00" + t.Branch + "\x00" + t.Scope))
	return filepath.Join(w.opts.CacheDir, hex.EncodeToString(sum[:12]))
}

// open opens the bare clone in dir, or makes a new one when there is none,
// it is damaged, or it holds too many packs. A new clone is empty until the
// first fetch fills it. Its file writes are charged to op.
func open(dir, url string, op *quotaOp) (*git.Repository, error) {
	repo, err := openClone(dir, op)
	if err == nil && packCount(dir) <= maxPacks && remoteIs(repo, url) {
		return repo, nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("remove clone %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("init clone %s: %w", dir, err)
	}
	repo, err = git.Init(storage(dir, op), nil) // bare: no worktree
	if err != nil {
		return nil, fmt.Errorf("init clone %s: %w", dir, err)
	}
	if _, err := repo.CreateRemote(&config.RemoteConfig{Name: remoteName, URLs: []string{url}}); err != nil {
		return nil, fmt.Errorf("init clone %s: %w", dir, err)
	}
	return repo, nil
}

func openClone(dir string, op *quotaOp) (*git.Repository, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, err
	}
	return git.Open(storage(dir, op), nil)
}

func storage(dir string, op *quotaOp) *filesystem.Storage {
	return filesystem.NewStorage(quotaFS{Filesystem: osfs.New(dir), op: op}, cache.NewObjectLRU(objectCacheSize))
}

func remoteIs(repo *git.Repository, url string) bool {
	r, err := repo.Remote(remoteName)
	return err == nil && len(r.Config().URLs) == 1 && r.Config().URLs[0] == url
}

func packCount(dir string) int {
	packs, _ := filepath.Glob(filepath.Join(dir, "objects", "pack", "*.pack"))
	return len(packs)
}

// packLoose packs the clone's loose objects into one pack file once there
// are looseLimit of them: go-git stores every object it writes as a file
// of its own, which would pile up a few files per commit.
func packLoose(repo *git.Repository) error {
	los, ok := repo.Storer.(storer.LooseObjectStorer)
	pw, okw := repo.Storer.(storer.PackfileWriter)
	if !ok || !okw {
		return nil
	}
	var loose []plumbing.Hash
	if err := los.ForEachObjectHash(func(h plumbing.Hash) error {
		loose = append(loose, h)
		return nil
	}); err != nil || len(loose) < looseLimit {
		return err
	}
	w, err := pw.PackfileWriter()
	if err != nil {
		return err
	}
	_, err = packfile.NewEncoder(w, repo.Storer, false).Encode(loose, 10)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("pack loose objects: %w", err)
	}
	for _, h := range loose {
		if err := los.DeleteLooseObject(h); err != nil {
			return fmt.Errorf("pack loose objects: %w", err)
		}
	}
	return nil
}
