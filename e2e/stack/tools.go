package stack

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/imagepin/imagepin/internal/testenv/buildtool"
	"github.com/imagepin/imagepin/internal/testenv/controlplane"
	"github.com/imagepin/imagepin/internal/testenv/process"
)

// BinaryEnv names an environment variable that points at an imagepin
// binary to run instead of building one, e.g. a build with extra logging.
const BinaryEnv = "IMAGEPIN_BINARY"

// Tools are the binaries the stack runs besides the control plane.
type Tools struct {
	// Helm is built by hack/helm.sh into the cache.
	Helm string
	// Kubectl comes with the control-plane binaries.
	Kubectl string
	// Imagepin is built by hack/build-image-binary.sh, as the Dockerfile
	// builds it, into the stack's folder, unless $IMAGEPIN_BINARY names one.
	Imagepin string
}

// buildTools finds or builds the binaries; the scripts build only what
// their caches lack, and Go's build cache makes the imagepin build cheap.
func buildTools(ctx context.Context, dir string) (Tools, error) {
	var t Tools
	var err error
	if t.Helm, err = buildtool.Run(ctx, "hack/helm.sh"); err != nil {
		return t, err
	}
	assets, err := controlplane.Assets()
	if err != nil {
		return t, fmt.Errorf("control-plane binaries: %w", err)
	}
	t.Kubectl = filepath.Join(assets, "kubectl")
	if t.Imagepin = os.Getenv(BinaryEnv); t.Imagepin != "" {
		return t, nil
	}
	t.Imagepin = filepath.Join(dir, "imagepin")
	if _, err := run(ctx, []string{"OUT=" + t.Imagepin, "VERSION=e2e"}, "bash", "hack/build-image-binary.sh"); err != nil {
		return t, err
	}
	return t, nil
}

// Kubectl runs kubectl as the administrator and returns its standard output.
func (s *Stack) Kubectl(ctx context.Context, args ...string) ([]byte, error) {
	return s.KubectlAs(ctx, s.Kubeconfig, args...)
}

// KubectlAs runs kubectl with kubeconfig and returns its standard output.
func (s *Stack) KubectlAs(ctx context.Context, kubeconfig string, args ...string) ([]byte, error) {
	return run(ctx, nil, s.Tools.Kubectl, append([]string{"--kubeconfig", kubeconfig}, args...)...)
}

// helm runs helm as the administrator, with its caches in the stack's folder.
func (s *Stack) helm(ctx context.Context, args ...string) ([]byte, error) {
	home := filepath.Join(s.Dir, "helm")
	env := []string{"HELM_CACHE_HOME=" + home + "/cache", "HELM_CONFIG_HOME=" + home + "/config", "HELM_DATA_HOME=" + home + "/data"}
	return run(ctx, env, s.Tools.Helm, append(args, "--kubeconfig", s.Kubeconfig)...)
}

// run runs bin in the repository root with env added to ours, and returns
// its standard output; the error carries its standard error. bin dies with
// us, should we be killed while it runs.
func run(ctx context.Context, env []string, bin string, args ...string) ([]byte, error) {
	root, err := buildtool.RepoRoot()
	if err != nil {
		return nil, err
	}
	var stdout, stderr bytes.Buffer
	cmd := process.Command(ctx, bin, args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %s: %w\n%s", filepath.Base(bin), strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}
