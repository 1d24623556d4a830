package controlplane

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/imagepin/imagepin/internal/testenv/buildtool"
	"github.com/imagepin/imagepin/internal/testenv/process"
)

// startTimeout bounds the start of each component; these machines are shared
// and a cold etcd can be slow.
const startTimeout = 2 * time.Minute

// pollInterval is how often Start looks again whether a component is ready.
const pollInterval = 200 * time.Millisecond

// Options says what a control plane holds when Start returns.
type Options struct {
	// CRDDirs are folders of CustomResourceDefinition manifests, relative to
	// the repository root, installed and established before Start returns.
	CRDDirs []string

	// ValidatingWebhooks and MutatingWebhooks are installed with every
	// webhook's clientConfig pointed at Webhook (see ControlPlane.Webhook):
	// a Service reference keeps its path and becomes https://host:port/path.
	ValidatingWebhooks []*admissionv1.ValidatingWebhookConfiguration
	MutatingWebhooks   []*admissionv1.MutatingWebhookConfiguration

	// ControllerManager also runs kube-controller-manager with all its
	// default controllers.
	ControllerManager bool

	// Nodes is the number of fake Nodes that Pods run on. When it is more
	// than zero, kube-controller-manager, kube-scheduler and kwok run too:
	// Pods get scheduled and become Running and Ready, Pods of Jobs
	// Succeeded, and Deployment, StatefulSet and DaemonSet rollouts
	// complete. Start returns once every Node is Ready and a probe Pod has
	// run (see nodes.go).
	Nodes int
}

// ControlPlane is a running etcd + kube-apiserver (+ kube-controller-manager,
// + kube-scheduler and kwok).
type ControlPlane struct {
	// Config reaches the API server as a member of system:masters.
	Config *rest.Config
	// Kubeconfig is the path of a kubeconfig file for the same identity,
	// for kubectl, helm and the imagepin binary.
	Kubeconfig string
	// Webhook is where the API server sends the admission requests of the
	// installed webhook configurations; the test serves them there.
	Webhook WebhookServing

	dir       string
	env       *envtest.Environment
	kcm       *process.Process
	scheduler *process.Process
	kwok      *process.Process
}

// WebhookServing is the address and serving certificate of a webhook server
// that the API server trusts.
type WebhookServing struct {
	Host    string
	Port    int
	CertDir string // holds tls.crt and tls.key
	CAPEM   []byte // the CA of the serving certificate
}

// Start runs a control plane; Stop ends it.
func Start(ctx context.Context, opts Options) (*ControlPlane, error) {
	assets, err := Assets()
	if err != nil {
		return nil, fmt.Errorf("control-plane binaries: %w", err)
	}
	root, err := buildtool.RepoRoot()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "imagepin-controlplane-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	cp := &ControlPlane{dir: dir, env: newEnvironment(assets, root, opts)}
	if err := cp.start(ctx, assets, opts); err != nil {
		return nil, errors.Join(err, cp.Stop())
	}
	return cp, nil
}

func newEnvironment(assets, root string, opts Options) *envtest.Environment {
	crds := make([]string, len(opts.CRDDirs))
	for i, d := range opts.CRDDirs {
		crds[i] = filepath.Join(root, d)
	}
	return &envtest.Environment{
		BinaryAssetsDirectory:    assets,
		ControlPlaneStartTimeout: startTimeout,
		ControlPlaneStopTimeout:  time.Minute,
		CRDInstallOptions:        envtest.CRDInstallOptions{Paths: crds, ErrorIfPathMissing: true},
		WebhookInstallOptions: envtest.WebhookInstallOptions{
			ValidatingWebhooks: opts.ValidatingWebhooks,
			MutatingWebhooks:   opts.MutatingWebhooks,
		},
	}
}

func (c *ControlPlane) start(ctx context.Context, assets string, opts Options) error {
	cfg, err := c.env.Start()
	if err != nil {
		return fmt.Errorf("start etcd and kube-apiserver: %w", err)
	}
	c.Config = cfg
	wh := c.env.WebhookInstallOptions
	c.Webhook = WebhookServing{Host: wh.LocalServingHost, Port: wh.LocalServingPort, CertDir: wh.LocalServingCertDir, CAPEM: wh.LocalServingCAData}
	if c.Kubeconfig, err = c.writeKubeconfig("admin"); err != nil {
		return err
	}
	if !opts.ControllerManager && opts.Nodes == 0 {
		return nil
	}
	cl, err := client.New(cfg, client.Options{})
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	if err := c.startControllerManager(assets); err != nil {
		return err
	}
	if opts.Nodes == 0 {
		return c.waitControllers(ctx, cl)
	}
	// The components start together; each wait below then finds its
	// component already busy.
	if err := c.startNodeComponents(ctx, assets); err != nil {
		return err
	}
	if err := createNodes(ctx, cl, opts.Nodes); err != nil {
		return err
	}
	if err := c.waitControllers(ctx, cl); err != nil {
		return err
	}
	return c.waitNodes(ctx, cl, opts.Nodes)
}

// writeKubeconfig writes a kubeconfig of a new system:masters user.
func (c *ControlPlane) writeKubeconfig(user string) (string, error) {
	u, err := c.env.AddUser(envtest.User{Name: user, Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return "", fmt.Errorf("add user %s: %w", user, err)
	}
	data, err := u.KubeConfig()
	if err != nil {
		return "", fmt.Errorf("kubeconfig of %s: %w", user, err)
	}
	path := filepath.Join(c.dir, user+".kubeconfig")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return "", fmt.Errorf("write kubeconfig: %w", err)
	}
	return path, nil
}

// Stop ends every component and removes the control plane's files.
func (c *ControlPlane) Stop() error {
	var errs []error
	for _, p := range []*process.Process{c.kwok, c.scheduler, c.kcm} {
		if p != nil {
			errs = append(errs, stopProcess(p))
		}
	}
	if c.Config != nil {
		errs = append(errs, c.env.Stop())
	}
	errs = append(errs, os.RemoveAll(c.dir))
	return errors.Join(errs...)
}
