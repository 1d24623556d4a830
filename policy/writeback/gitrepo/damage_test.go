package gitrepo_test

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWriteRecoversFromADamagedClone: a clone whose objects are gone (a
// crash, a full disk) is made again instead of failing every write.
func TestWriteRecoversFromADamagedClone(t *testing.T) {
	srv := newServer(t)
	cache := t.TempDir()
	w := newWriter(t, cache)
	if _, err := w.Write(t.Context(), request(srv, setTag("1.1.0"), "apps")); err != nil {
		t.Fatal(err)
	}
	packs, err := filepath.Glob(filepath.Join(cache, "*", "objects", "pack", "*"))
	if err != nil || len(packs) == 0 {
		t.Fatalf("no packs in the clone: %v", err)
	}
	for _, p := range packs {
		if err := os.WriteFile(p, []byte("garbage"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := w.Write(t.Context(), request(srv, setTag("1.2.0"), "apps"))
	if err != nil || !res.Pushed {
		t.Fatalf("write after damage: %+v, %v", res, err)
	}
}
