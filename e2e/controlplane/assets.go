package controlplane

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// AssetsEnv names the folder that holds etcd, kube-apiserver,
// kube-controller-manager and kubectl (envtest's convention).
const AssetsEnv = "KUBEBUILDER_ASSETS"

// Assets returns the folder of the control-plane binaries: $KUBEBUILDER_ASSETS
// when set, otherwise the folder that hack/controlplane.sh builds and prints.
func Assets() (string, error) {
	if dir := os.Getenv(AssetsEnv); dir != "" {
		return dir, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return runScript(root, "hack/controlplane.sh")
}

// RepoRoot returns the root of the imagepin checkout, found by walking up
// from the working directory (go test runs in the package's folder).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "hack", "controlplane.sh")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("imagepin repository root not found above the working directory")
		}
		dir = parent
	}
}

// runScript runs a build script of hack/ and returns the last line it
// printed, which by convention is the path of what it built.
func runScript(root, script string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(filepath.Join(root, script))
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s: %w\n%s", script, err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	return lines[len(lines)-1], nil
}
