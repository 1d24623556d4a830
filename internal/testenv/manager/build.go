package manager

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"

	"github.com/imagepin/imagepin/internal/testenv/buildtool"
)

// Build compiles ./cmd/imagepin of the checkout into dir with `go build`
// and flags (e.g. -overlay) and returns the binary's path.
func Build(ctx context.Context, dir string, flags ...string) (string, error) {
	root, err := buildtool.RepoRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "imagepin")
	cmd := exec.CommandContext(ctx, "go", append(append([]string{"build", "-o", bin}, flags...), "./cmd/imagepin")...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build imagepin: %w\n%s", err, out)
	}
	return bin, nil
}
