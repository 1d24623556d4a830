package registry

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

// BinaryEnv names the environment variable that points at a registry binary,
// which then is used instead of building one with hack/registry.sh.
const BinaryEnv = "IMAGEPIN_REGISTRY_BIN"

const buildScript = "hack/registry.sh"

// Binary returns the path of the Distribution registry binary: $IMAGEPIN_REGISTRY_BIN
// when set, otherwise the last line that hack/registry.sh prints after building
// the binary if the cache does not hold it yet. The build takes minutes the
// first time on a machine, so ctx should allow for that.
func Binary(ctx context.Context) (string, error) {
	if bin := os.Getenv(BinaryEnv); bin != "" {
		return bin, nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	return runBuildScript(ctx, root)
}

// repoRoot walks up from the working directory (go test runs in the package's
// folder) to the checkout root, which holds go.mod and the build script.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		if isFile(filepath.Join(dir, "go.mod")) && isFile(filepath.Join(dir, buildScript)) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no folder with go.mod and %s above the working directory", buildScript)
		}
		dir = parent
	}
}

func isFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular()
}

// runBuildScript runs hack/registry.sh and returns the last line of its
// output. Progress goes to our stderr so that a slow first build is visible.
func runBuildScript(ctx context.Context, root string) (string, error) {
	var stdout bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, buildScript))
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("run %s: %w", buildScript, err)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	bin := lines[len(lines)-1]
	if bin == "" {
		return "", errors.New(buildScript + " printed no binary path")
	}
	return bin, nil
}
