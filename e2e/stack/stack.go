package stack

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/internal/testenv"
	"github.com/imagepin/imagepin/internal/testenv/controlplane"
	"github.com/imagepin/imagepin/internal/testenv/gitserver"
	"github.com/imagepin/imagepin/internal/testenv/manager"
	"github.com/imagepin/imagepin/internal/testenv/registry"
)

// Defaults of Options.
const (
	DefaultRepository = "demo/podinfo"
	// Namespace is imagepin's own namespace, where the chart is installed.
	Namespace = "imagepin-system"
	// Release is the Helm release name; the chart's full name, and so the
	// name of its ServiceAccount and webhook configurations, is the same.
	Release = "imagepin"
)

// DefaultTags are the tags the registry holds when the stack starts.
var DefaultTags = []string{"1.0.0", "1.1.0", "1.2.0"}

// DemoNodes is the number of fake Nodes that the demo's Pods run on.
const DemoNodes = 2

// Options say what the stack holds. The zero value is the demo's stack
// without Nodes.
type Options struct {
	// Logf receives one line per step of Start and Stop; nil discards them.
	Logf func(format string, args ...any)
	// Repository is the path of the seeded repository in the registry.
	Repository string
	// Tags are pushed to Repository, one distinct image each.
	Tags []string
	// Nodes is the number of fake Nodes, played by kwok, that Pods run on
	// (see controlplane.Options.Nodes); with none, Pods stay Pending.
	Nodes int
	// ManagerArgs are more flags for `imagepin manager`, after the stack's.
	ManagerArgs []string
}

func (o *Options) defaults() {
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Repository == "" {
		o.Repository = DefaultRepository
	}
	if len(o.Tags) == 0 {
		o.Tags = DefaultTags
	}
}

// Stack is a running environment. Its fields are valid once Start returned.
type Stack struct {
	// Dir holds the stack's own files: kubeconfigs, the registry CA, logs.
	Dir string
	// ControlPlane is etcd, kube-apiserver and kube-controller-manager,
	// and with Options.Nodes kube-scheduler and kwok.
	ControlPlane *controlplane.ControlPlane
	// Kubeconfig is an administrator's kubeconfig (system:masters).
	Kubeconfig string
	// Client is an administrator's client that knows imagepin's types.
	Client client.Client
	// Warnings are the warnings the API server sent Client.
	Warnings *Warnings
	// Registry is the Distribution registry (htpasswd and TLS).
	Registry *registry.Registry
	// Image is the seeded repository with its registry, "127.0.0.1:PORT/demo/podinfo".
	Image string
	// Digests maps each tag pushed to Image to its manifest digest.
	Digests map[string]string
	// Git serves the bare repository that write-back commits to.
	Git *gitserver.Server
	// Manager is the `imagepin manager` process.
	Manager *manager.Manager
	// Tools are the helm, kubectl and imagepin binaries.
	Tools Tools

	opts    Options
	tempDir *testenv.TempDir // Dir
	logMu   sync.Mutex       // steps log from two goroutines
}

// Start builds what is missing and starts every component. ctx bounds the
// start only. On failure it stops what it started.
func Start(ctx context.Context, opts Options) (*Stack, error) {
	opts.defaults()
	// A stack killed before its Stop leaves its folder to the next one.
	dir, err := testenv.NewTempDir("imagepin-stack-")
	if err != nil {
		return nil, err
	}
	s := &Stack{Dir: dir.Path, tempDir: dir, opts: opts, Digests: map[string]string{}}
	if err := s.start(ctx); err != nil {
		return nil, errors.Join(err, s.Stop())
	}
	return s, nil
}

// start runs the control plane in the background while the registry, the
// Git server and the binaries get ready: they do not depend on each other.
func (s *Stack) start(ctx context.Context) error {
	cpDone := make(chan error, 1)
	go func() {
		cpDone <- s.step("control plane", func() error { return s.startControlPlane(ctx) })
	}()
	err := errors.Join(
		s.step("tools", func() (err error) { s.Tools, err = buildTools(ctx, s.Dir); return err }),
		s.step("registry", func() error { return s.startRegistry(ctx) }),
		s.step("git server", func() error { return s.startGit(ctx) }),
		<-cpDone)
	if err != nil {
		return err
	}
	if err := s.step("helm install", func() error { return s.installChart(ctx) }); err != nil {
		return err
	}
	return s.step("imagepin manager", func() error { return s.startManager(ctx) })
}

// step runs fn and logs how long it took.
func (s *Stack) step(name string, fn func() error) error {
	start := time.Now()
	if err := fn(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	s.logf("%-17s ready in %s", name, time.Since(start).Round(100*time.Millisecond))
	return nil
}

func (s *Stack) logf(format string, args ...any) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	s.opts.Logf("stack: "+format, args...)
}

// Stop ends the manager, the control plane, the registry and the Git
// server, and removes their files. It is safe after a partial Start.
func (s *Stack) Stop() error {
	var errs []error
	if s.Manager != nil {
		errs = append(errs, s.Manager.Stop())
	}
	if s.ControlPlane != nil {
		errs = append(errs, s.ControlPlane.Stop())
	}
	if s.Registry != nil {
		errs = append(errs, s.Registry.Stop())
	}
	if s.Git != nil {
		errs = append(errs, s.Git.Close())
	}
	errs = append(errs, s.tempDir.Remove())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("stop stack: %w", err)
	}
	s.logf("stopped; removed %s", s.Dir)
	return nil
}
