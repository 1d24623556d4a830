package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDefaultDirs: a scratch folder is made only for the folders not given,
// so a manager given both leaves nothing in $TMPDIR, even when killed.
func TestDefaultDirs(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	given := &managerOptions{certDir: filepath.Join(t.TempDir(), "c"), gitCacheDir: filepath.Join(t.TempDir(), "g")}
	scratch, err := given.defaultDirs()
	if err != nil || scratch != "" {
		t.Fatalf("both given: scratch %q, err %v; want none", scratch, err)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Fatalf("both given: $TMPDIR holds %d entries, want none", len(entries))
	}
	defaults := &managerOptions{certDir: given.certDir}
	scratch, err = defaults.defaultDirs()
	if err != nil || filepath.Dir(scratch) != tmp {
		t.Fatalf("git cache not given: scratch %q, err %v; want one in %s", scratch, err, tmp)
	}
	if defaults.certDir != given.certDir || defaults.gitCacheDir != filepath.Join(scratch, "git") {
		t.Fatalf("dirs %q and %q, want %q and the scratch folder's git", defaults.certDir, defaults.gitCacheDir, given.certDir)
	}
	if _, err := os.Stat(defaults.gitCacheDir); err != nil {
		t.Fatal(err)
	}
}
