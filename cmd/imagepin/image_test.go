package main

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imagepin/imagepin/internal/testenv/buildtool"
)

// TestImageBinary builds the binary as the Dockerfile does and checks what
// the distroless image needs: static, version stamped, runnable.
func TestImageBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the release binary with hack/build-image-binary.sh: runs in make test, not under -short")
	}
	root, err := buildtool.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dockerfile, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(dockerfile, []byte("hack/build-image-binary.sh")) || !bytes.Contains(dockerfile, []byte("USER 65532:65532")) {
		t.Fatal("the Dockerfile no longer builds with hack/build-image-binary.sh as non-root: this test would prove nothing")
	}
	out := filepath.Join(t.TempDir(), "imagepin")
	cmd := exec.CommandContext(t.Context(), filepath.Join(root, "hack/build-image-binary.sh"))
	cmd.Env = append(os.Environ(), "VERSION=v9.9.9-test", "OUT="+out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, msg)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("binary is dynamically linked; distroless/static needs a static binary")
		}
	}
	version, err := exec.CommandContext(t.Context(), out, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(version), "imagepin v9.9.9-test ") {
		t.Errorf("version = %q, want the stamped v9.9.9-test", version)
	}
}
