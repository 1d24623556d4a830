package gitrepo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
)

const (
	remoteName = "origin"
	// maxPacks bounds the pack files that fetches accumulate in a clone:
	// go-git does not repack, and every pack slows object lookups. Past
	// it, the clone is made again.
	maxPacks = 64
)

// cacheDir is the clone of t in w's cache folder: one per repository,
// branch and credentials.
func (w *Writer) cacheDir(t Target) string {
	sum := sha256.Sum256([]byte(t.URL + "\x00" + t.Branch + "\x00" + t.Scope))
	return filepath.Join(w.opts.CacheDir, hex.EncodeToString(sum[:12]))
}

// open opens the bare clone in dir, or makes a new one when there is none,
// it is damaged, or it holds too many packs. A new clone is empty until the
// first fetch fills it.
func open(dir, url string) (*git.Repository, error) {
	repo, err := git.PlainOpen(dir)
	if err == nil && packCount(dir) <= maxPacks && remoteIs(repo, url) {
		return repo, nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("remove clone %s: %w", dir, err)
	}
	repo, err = git.PlainInit(dir, true)
	if err != nil {
		return nil, fmt.Errorf("init clone %s: %w", dir, err)
	}
	if _, err := repo.CreateRemote(&config.RemoteConfig{Name: remoteName, URLs: []string{url}}); err != nil {
		return nil, fmt.Errorf("init clone %s: %w", dir, err)
	}
	return repo, nil
}

func remoteIs(repo *git.Repository, url string) bool {
	r, err := repo.Remote(remoteName)
	return err == nil && len(r.Config().URLs) == 1 && r.Config().URLs[0] == url
}

func packCount(dir string) int {
	packs, _ := filepath.Glob(filepath.Join(dir, "objects", "pack", "*.pack"))
	return len(packs)
}
