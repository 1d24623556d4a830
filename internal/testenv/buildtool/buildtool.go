// Package buildtool runs the build scripts of hack/ that provide the real
// components tests use (control plane, registry), from wherever in the
// checkout a test runs. Each script builds into a cache outside the checkout
// only what is missing and prints the path of its result as its last line.
// Build compiles a package of the checkout, as make demo does.
package buildtool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Run runs script (a path relative to the repository root, such as
// hack/registry.sh) and returns the last line it printed. Progress goes to
// our stderr so that a slow first build is visible.
func Run(ctx context.Context, script string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	var stdout bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, script))
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("run %s: %w", script, err)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if last := lines[len(lines)-1]; last != "" {
		return last, nil
	}
	return "", errors.New(script + " printed no path")
}

// Build compiles the Go package pkg (relative to the repository root, such
// as ./hack/demo) into out, static and with trimmed paths as make demo and
// the Dockerfile build, so that it shares their build cache.
func Build(ctx context.Context, pkg, out string) error {
	root, err := RepoRoot()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, output)
	}
	return nil
}

// RepoRoot returns the root of the imagepin checkout, found by walking up
// from the working directory (go test runs in the package's folder).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		if isFile(filepath.Join(dir, "go.mod")) && isFile(filepath.Join(dir, "hack", "controlplane.sh")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("imagepin repository root (go.mod and hack/) not found above the working directory")
		}
		dir = parent
	}
}

func isFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular()
}
