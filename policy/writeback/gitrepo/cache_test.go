package gitrepo_test

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/imagepin/imagepin/internal/testenv/gitserver"
	"github.com/imagepin/imagepin/policy/writeback/gitrepo"
)

// noise is n bytes of text that does not compress.
func noise(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n*3/4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// serverWith is a Git server whose head holds the test's values file and a
// file of size bytes that do not compress.
func serverWith(t *testing.T, size int) *gitserver.Server {
	t.Helper()
	srv := newServer(t)
	srv.CommitT(t, "big file", map[string]string{"data/big.txt": noise(t, size)})
	return srv
}

// du is the size of the files under dir.
func du(t testing.TB, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if info, err := d.Info(); err == nil && !d.IsDir() {
			n += info.Size()
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return n
}

func budgetWriter(t *testing.T, dir string, budget int64) *gitrepo.Writer {
	t.Helper()
	w, err := gitrepo.New(gitrepo.Options{CacheDir: dir, Registerer: prometheus.NewRegistry(), CacheMaxBytes: budget})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestWriteFetchesOnlyTheHead: a write to a branch fetches its head, not
// its history (20 earlier versions of a 200 KB file here).
func TestWriteFetchesOnlyTheHead(t *testing.T) {
	srv := newServer(t)
	for range 20 {
		srv.CommitT(t, "history", map[string]string{"data/big.txt": noise(t, 200<<10)})
	}
	cache := t.TempDir()
	if _, err := newWriter(t, cache).Write(t.Context(), request(srv, setTag("1.1.0"), "apps")); err != nil {
		t.Fatal(err)
	}
	if n := du(t, cache); n > 600<<10 {
		t.Errorf("the clone takes %d KiB; want about one version of the file (200 KiB), not 20", n>>10)
	}
	srv.CommitT(t, "more history", map[string]string{"data/big.txt": noise(t, 200<<10)})
	if res, err := newWriter(t, cache).Write(t.Context(), request(srv, setTag("1.2.0"), "apps")); err != nil || !res.Pushed {
		t.Fatalf("write on a shallow clone after others pushed: %+v, %v", res, err)
	}
}

// TestCacheBudget: three repositories of 600 KB each, written in turn with
// a budget of 1.5 MB: the cache never passes it, every write lands, and
// the least recently written clone is the one removed.
func TestCacheBudget(t *testing.T) {
	const budget = 1500 << 10
	servers := []*gitserver.Server{serverWith(t, 600<<10), serverWith(t, 600<<10), serverWith(t, 600<<10)}
	cache := t.TempDir()
	w := budgetWriter(t, cache, budget)
	for round, tag := range []string{"1.1.0", "1.2.0"} {
		for i, srv := range servers {
			res, err := w.Write(t.Context(), request(srv, setTag(tag), "apps"))
			if err != nil || !res.Pushed {
				t.Fatalf("round %d, repository %d: %+v, %v", round, i, res, err)
			}
			if n := du(t, cache); n > budget {
				t.Errorf("round %d, repository %d: the cache takes %d KiB, over its budget of %d KiB", round, i, n>>10, budget>>10)
			}
			if clones := clonesIn(t, cache); len(clones) > 2 {
				t.Errorf("round %d, repository %d: %d clones kept; want at most 2 (each is 40%% of the budget)", round, i, len(clones))
			}
		}
	}
}

// TestCacheFull: a repository larger than the whole budget fails with
// ErrCacheFull; the disk never holds more than the budget, and the partial
// clone is removed.
func TestCacheFull(t *testing.T) {
	const budget = 400 << 10
	srv := serverWith(t, 2<<20)
	cache := t.TempDir()
	small := newServer(t)
	w := budgetWriter(t, cache, budget)
	if _, err := w.Write(t.Context(), request(small, setTag("1.1.0"), "apps")); err != nil {
		t.Fatal(err)
	}
	_, err := w.Write(t.Context(), request(srv, setTag("1.1.0"), "apps"))
	t.Logf("Write: %v", err)
	if !errors.Is(err, gitrepo.ErrCacheFull) {
		t.Fatalf("Write = %v; want ErrCacheFull", err)
	}
	if n := du(t, cache); n > budget {
		t.Errorf("the cache takes %d KiB after the refusal, over its budget of %d KiB", n>>10, budget>>10)
	}
	if n := len(srv.LogT(t)); n != 2 {
		t.Errorf("%d commits; want the seed and the big file only", n)
	}
	if _, err := w.Write(t.Context(), request(small, setTag("1.2.0"), "apps")); err != nil {
		t.Errorf("a small repository after the refusal: %v", err)
	}
}

// TestRetain: clones of targets no longer written are removed, except one
// that a write holds.
func TestRetain(t *testing.T) {
	a, b, c := newServer(t), newServer(t), newServer(t)
	cache := t.TempDir()
	w := newWriter(t, cache)
	for _, srv := range []*gitserver.Server{a, b} {
		if _, err := w.Write(t.Context(), request(srv, setTag("1.1.0"), "apps")); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(clonesIn(t, cache)); n != 2 {
		t.Fatalf("%d clones; want 2", n)
	}
	// While c's write holds its clone, only b's goes.
	var removed int
	retainDuringEdit := func(files []gitrepo.File) (gitrepo.Change, error) {
		var err error
		removed, err = w.Retain([]gitrepo.Target{request(a, nil).Target})
		if err != nil {
			t.Error(err)
		}
		return setTag("1.1.0")(files)
	}
	if _, err := w.Write(t.Context(), request(c, retainDuringEdit, "apps")); err != nil {
		t.Fatal(err)
	}
	if clones := clonesIn(t, cache); removed != 1 || len(clones) != 2 {
		t.Errorf("Retain removed %d, left %v; want b's clone removed, a's and c's kept", removed, clones)
	}
	if n, err := w.Retain(nil); n != 2 || err != nil || len(clonesIn(t, cache)) != 0 {
		t.Errorf("Retain(nil) = %d, %v; left %v", n, err, clonesIn(t, cache))
	}
}

// TestLooseObjectsArePacked: the objects of many commits end up in packs,
// not one file each.
func TestLooseObjectsArePacked(t *testing.T) {
	srv := newServer(t)
	cache := t.TempDir()
	w := newWriter(t, cache)
	for i := range 40 {
		tag := "1." + strings.Repeat("1", i+1) + ".0"
		if _, err := w.Write(t.Context(), request(srv, setTag(tag), "apps")); err != nil {
			t.Fatal(err)
		}
	}
	loose, _ := filepath.Glob(filepath.Join(cache, "*", "objects", "[0-9a-f][0-9a-f]", "*"))
	packs, _ := filepath.Glob(filepath.Join(cache, "*", "objects", "pack", "*.pack"))
	t.Logf("%d loose objects, %d packs after 40 commits", len(loose), len(packs))
	if len(loose) >= 64 || len(packs) < 2 {
		t.Errorf("%d loose objects and %d packs after 40 commits of 4 objects; want under 64 loose", len(loose), len(packs))
	}
}

func clonesIn(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
