package certs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFilesSwapsThePairAtOnce(t *testing.T) {
	dir := t.TempDir()
	// A plain file from an earlier layout is replaced, not written through.
	if err := os.WriteFile(filepath.Join(dir, "tls.crt"), []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		files       map[string][]byte
		wantChanged bool
	}{
		{map[string][]byte{"tls.crt": []byte("c1"), "tls.key": []byte("k1")}, true},
		{map[string][]byte{"tls.crt": []byte("c1"), "tls.key": []byte("k1")}, false},
		{map[string][]byte{"tls.crt": []byte("c2"), "tls.key": []byte("k2")}, true},
	}
	for i, s := range steps {
		changed, err := writeFiles(dir, s.files)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if changed != s.wantChanged {
			t.Errorf("step %d: changed = %v, want %v", i, changed, s.wantChanged)
		}
		for name, want := range s.files {
			if got, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(got) != string(want) {
				t.Errorf("step %d: %s = %q, %v; want %q", i, name, got, err, want)
			}
			if target, err := os.Readlink(filepath.Join(dir, name)); err != nil || target != filepath.Join(dataLink, name) {
				t.Errorf("step %d: %s links to %q (%v), want %s", i, name, target, err, filepath.Join(dataLink, name))
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var folders []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "..tls-") {
			folders = append(folders, e.Name())
		}
	}
	if len(folders) != 1 {
		t.Errorf("key pair folders %v, want only the current one", folders)
	}
}
