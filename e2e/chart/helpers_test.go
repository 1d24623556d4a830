package chart

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/imagepin/imagepin/internal/testenv/buildtool"
	"github.com/imagepin/imagepin/internal/testenv/controlplane"
)

// helm runs the helm binary that hack/helm.sh builds, from the repository
// root, and returns its standard output.
func helm(t *testing.T, args ...string) []byte {
	t.Helper()
	return run(t, helmBinary(t), args...)
}

// helmBinary returns the path of the helm binary, built by hack/helm.sh
// when missing.
func helmBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs helm (built by hack/helm.sh): runs in make test, not under -short")
	}
	bin, err := buildtool.Run(t.Context(), "hack/helm.sh")
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// kubectl runs the kubectl built with the control plane.
func kubectl(t *testing.T, cp *controlplane.ControlPlane, stdin []byte, args ...string) []byte {
	t.Helper()
	assets, err := controlplane.Assets()
	if err != nil {
		t.Fatal(err)
	}
	return runIn(t, stdin, filepath.Join(assets, "kubectl"), append([]string{"--kubeconfig", cp.Kubeconfig}, args...)...)
}

func run(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	return runIn(t, nil, bin, args...)
}

func runIn(t *testing.T, stdin []byte, bin string, args ...string) []byte {
	t.Helper()
	root, err := buildtool.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(context.WithoutCancel(t.Context()), bin, args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+t.TempDir(), "HELM_CONFIG_HOME="+t.TempDir(), "HELM_DATA_HOME="+t.TempDir())
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", filepath.Base(bin), args, err, stderr.String())
	}
	return stdout.Bytes()
}
