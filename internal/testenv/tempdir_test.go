//go:build unix

package testenv_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imagepin/imagepin/internal/testenv"
)

const prefix = "imagepin-tempdir-test-"

// TestNewTempDirRemovesTheFoldersOfDeadOwners has a process create a
// folder and exit without removing it: the next NewTempDir of the prefix
// removes it, and leaves alone a live owner's folder, a folder without an
// owner file and a folder of another prefix.
func TestNewTempDirRemovesTheFoldersOfDeadOwners(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	orphan := leaveFolder(t)
	live, err := testenv.NewTempDir(prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Remove()
	unowned := filepath.Join(os.TempDir(), prefix+"unowned")
	if err := os.Mkdir(unowned, 0o700); err != nil {
		t.Fatal(err)
	}
	// A dead owner's folder of another prefix.
	other := filepath.Join(os.TempDir(), "other-"+filepath.Base(orphan))
	if err := os.Rename(leaveFolder(t), other); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(orphan); err == nil {
		t.Errorf("%s of a dead owner is still there after the next NewTempDir", orphan)
	}

	next, err := testenv.NewTempDir(prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer next.Remove()
	for _, dir := range []string{live.Path, unowned, other, next.Path} {
		if _, err := os.Stat(dir); err != nil {
			t.Errorf("%s removed: %v", dir, err)
		}
	}
}

// leaveFolder has a child process create a folder of prefix and exit
// without removing it; it returns the folder.
func leaveFolder(t *testing.T) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), ownerEnv+"="+prefix)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("owner process: %v\n%s", err, out)
	}
	dir := strings.TrimSpace(string(out))
	if _, err := os.Stat(filepath.Join(dir, ".owner")); err != nil {
		t.Fatalf("the owner process left no owner file: %v", err)
	}
	return dir
}

func TestRemoveTwice(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	d, err := testenv.NewTempDir(prefix)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Remove(); err != nil {
		t.Fatal(err)
	}
	if err := d.Remove(); err != nil {
		t.Errorf("second Remove: %v", err)
	}
	if _, err := os.Stat(d.Path); !os.IsNotExist(err) {
		t.Errorf("%s still there after Remove: %v", d.Path, err)
	}
}
