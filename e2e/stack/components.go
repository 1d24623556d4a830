package stack

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/internal/testenv/controlplane"
	"github.com/imagepin/imagepin/internal/testenv/gitserver"
	"github.com/imagepin/imagepin/internal/testenv/kubescheme"
	"github.com/imagepin/imagepin/internal/testenv/registry"
)

// Credentials of the registry and the Git server. They guard processes on
// 127.0.0.1 that live as long as the stack; the demo prints them.
const (
	RegistryUser     = "demo"
	RegistryPassword = "registry-s3cret"
	GitUser          = "imagepin"
	GitPassword      = "git-s3cret"
)

// ValuesPath is the file of the Git repository that carries the markers of
// the sample policy.
const ValuesPath = "apps/podinfo/values.yaml"

// startControlPlane runs etcd, kube-apiserver and kube-controller-manager,
// and kube-scheduler and kwok when the stack has Nodes.
func (s *Stack) startControlPlane(ctx context.Context) error {
	cp, err := controlplane.Start(ctx, controlplane.Options{ControllerManager: true, Nodes: s.opts.Nodes})
	if err != nil {
		return err
	}
	s.ControlPlane, s.Kubeconfig = cp, cp.Kubeconfig
	scheme, err := kubescheme.New()
	if err != nil {
		return err
	}
	cfg := rest.CopyConfig(cp.Config)
	s.Warnings = &Warnings{}
	cfg.WarningHandler = s.Warnings
	if s.Client, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		return fmt.Errorf("client: %w", err)
	}
	return nil
}

// startRegistry runs the registry and pushes the seeded tags.
func (s *Stack) startRegistry(ctx context.Context) error {
	reg, err := registry.Start(ctx, registry.Options{Username: RegistryUser, Password: RegistryPassword, TLS: true})
	if err != nil {
		return err
	}
	s.Registry, s.Image = reg, reg.Repo(s.opts.Repository)
	if err := os.WriteFile(s.RegistryCAFile(), reg.CAPEM, 0o600); err != nil {
		return fmt.Errorf("write registry CA: %w", err)
	}
	for _, tag := range s.opts.Tags {
		if _, err := s.PushTag(ctx, tag); err != nil {
			return err
		}
	}
	return nil
}

// RegistryCAFile is the PEM file of the registry's CA.
func (s *Stack) RegistryCAFile() string {
	return filepath.Join(s.Dir, "registry-ca.pem")
}

// PushTag pushes a new random image as tag of Image and records its digest.
func (s *Stack) PushTag(ctx context.Context, tag string) (string, error) {
	digests, err := s.Registry.Push(ctx, s.opts.Repository, tag)
	if err != nil {
		return "", fmt.Errorf("push %s:%s: %w", s.Image, tag, err)
	}
	s.Digests[tag] = digests[tag].String()
	return s.Digests[tag], nil
}

// Pinned returns the image reference that the webhook writes for tag:
// Image:tag@digest.
func (s *Stack) Pinned(tag string) string {
	return s.Image + ":" + tag + "@" + s.Digests[tag]
}

// startGit serves the bare repository and commits the values file, whose
// markers name the sample policy and start at the oldest tag.
func (s *Stack) startGit(ctx context.Context) error {
	srv, err := gitserver.Start(ctx, gitserver.Options{User: GitUser, Password: GitPassword})
	if err != nil {
		return err
	}
	s.Git = srv
	_, err = srv.Commit(ctx, "podinfo: Helm values", map[string]string{ValuesPath: s.valuesFile()})
	if err != nil {
		return fmt.Errorf("seed %s: %w", ValuesPath, err)
	}
	return nil
}

func (s *Stack) valuesFile() string {
	marker := fmt.Sprintf(`# {"$imagepin": "%s:%s`, SampleNamespace, SamplePolicy)
	return strings.Join([]string{
		"# Helm values of podinfo in namespace " + SampleNamespace + ". imagepin rewrites the",
		"# lines that carry a marker when ImagePolicy " + SampleNamespace + "/" + SamplePolicy + " moves.",
		"replicaCount: 2",
		"image:",
		"  repository: " + s.Image + " " + marker + `:name"}`,
		"  tag: " + s.opts.Tags[0] + " " + marker + `:tag"}`,
		"  # the whole reference, for charts that take one value",
		"  ref: " + s.Image + ":" + s.opts.Tags[0] + " " + marker + `"}`,
		"",
	}, "\n")
}
