package controlplane

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/internal/testenv"
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

	dir       *testenv.TempDir
	pki       *authority
	files     apiServerFiles
	host      string // the API server's URL
	etcd      *process.Process
	apiserver *process.Process
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

// Start runs a control plane; Stop ends it. Every component runs through
// the harness's process runner, so none outlives a parent killed with
// SIGKILL (on Linux), and the control plane's folder is removed by the next
// Start should Stop never run (see testenv.NewTempDir).
func Start(ctx context.Context, opts Options) (*ControlPlane, error) {
	assets, err := Assets()
	if err != nil {
		return nil, fmt.Errorf("control-plane binaries: %w", err)
	}
	root, err := buildtool.RepoRoot()
	if err != nil {
		return nil, err
	}
	dir, err := testenv.NewTempDir("imagepin-controlplane-")
	if err != nil {
		return nil, err
	}
	cp := &ControlPlane{dir: dir}
	if err := cp.start(ctx, assets, root, opts); err != nil {
		return nil, errors.Join(err, cp.Stop())
	}
	return cp, nil
}

func (c *ControlPlane) start(ctx context.Context, assets, root string, opts Options) error {
	var err error
	if c.pki, err = newAuthority(); err != nil {
		return err
	}
	if err := c.startServers(ctx, assets); err != nil {
		return err
	}
	if err := c.install(root, opts); err != nil {
		return err
	}
	if c.Kubeconfig, err = c.writeKubeconfig("admin"); err != nil {
		return err
	}
	if !opts.ControllerManager && opts.Nodes == 0 {
		return nil
	}
	cl, err := client.New(c.Config, client.Options{})
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

// logPath is the log file of the component name.
func (c *ControlPlane) logPath(name string) string {
	return filepath.Join(c.dir.Path, name+".log")
}

// userConfig returns a configuration that reaches the API server as user,
// a member of groups, by a client certificate.
func (c *ControlPlane) userConfig(user string, groups ...string) (*rest.Config, error) {
	certPEM, keyPEM, err := c.pki.clientCert(user, groups)
	if err != nil {
		return nil, err
	}
	return &rest.Config{
		Host:            c.host,
		TLSClientConfig: rest.TLSClientConfig{CAData: c.pki.servingCA.CertPEM, CertData: certPEM, KeyData: keyPEM},
	}, nil
}

// writeKubeconfig writes a kubeconfig of a new system:masters user.
func (c *ControlPlane) writeKubeconfig(user string) (string, error) {
	cfg, err := c.userConfig(user, "system:masters")
	if err != nil {
		return "", err
	}
	const name = "imagepin-test"
	kc := clientcmdapi.NewConfig()
	kc.Clusters[name] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos[user] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData}
	kc.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: user}
	kc.CurrentContext = name
	path := filepath.Join(c.dir.Path, user+".kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		return "", fmt.Errorf("write kubeconfig of %s: %w", user, err)
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
	errs = append(errs, c.stopServers(), c.dir.Remove())
	return errors.Join(errs...)
}
