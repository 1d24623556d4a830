package controlplane

import (
	"fmt"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/imagepin/imagepin/certs/pki"
	"github.com/imagepin/imagepin/internal/testenv"
)

// prepareWebhook chooses the address of the test's webhook server and
// writes its serving certificate, signed by a CA of its own, into the
// control plane's folder (tls.crt and tls.key, as a webhook server reads
// them from a mounted Secret). It returns envtest's options that point the
// webhook configurations of opts at it.
func (c *ControlPlane) prepareWebhook(opts Options) (*envtest.WebhookInstallOptions, error) {
	port, err := testenv.FreePort()
	if err != nil {
		return nil, err
	}
	ca, err := pki.NewCA(time.Now(), certValidity)
	if err != nil {
		return nil, fmt.Errorf("webhook CA: %w", err)
	}
	serving, err := servingPair(ca)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(c.dir.Path, "webhook")
	if err := writeFile(filepath.Join(dir, corev1.TLSCertKey), serving.CertPEM); err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(dir, corev1.TLSPrivateKeyKey), serving.KeyPEM); err != nil {
		return nil, err
	}
	c.Webhook = WebhookServing{Host: "127.0.0.1", Port: port, CertDir: dir, CAPEM: ca.CertPEM}
	wh := &envtest.WebhookInstallOptions{
		MutatingWebhooks:    opts.MutatingWebhooks,
		ValidatingWebhooks:  opts.ValidatingWebhooks,
		LocalServingHost:    c.Webhook.Host,
		LocalServingPort:    port,
		LocalServingCertDir: dir,
		LocalServingCAData:  ca.CertPEM,
	}
	// With the CA given, Install no longer makes certificates of its own
	// (in a folder outside ours), so the clientConfigs are set here.
	if err := wh.ModifyWebhookDefinitions(); err != nil {
		return nil, fmt.Errorf("point webhooks at %s: %w", c.Webhook.Host, err)
	}
	return wh, nil
}

// install installs the CRDs of opts (conversion webhooks, if any, pointed
// at the webhook server as envtest does), then the webhook configurations.
func (c *ControlPlane) install(root string, opts Options) error {
	wh, err := c.prepareWebhook(opts)
	if err != nil {
		return err
	}
	if len(opts.CRDDirs) > 0 {
		crds := make([]string, len(opts.CRDDirs))
		for i, d := range opts.CRDDirs {
			crds[i] = filepath.Join(root, d)
		}
		crdOpts := envtest.CRDInstallOptions{Paths: crds, ErrorIfPathMissing: true, WebhookOptions: *wh}
		if _, err := envtest.InstallCRDs(c.Config, crdOpts); err != nil {
			return fmt.Errorf("install CRDs: %w", err)
		}
	}
	if len(opts.MutatingWebhooks)+len(opts.ValidatingWebhooks) == 0 {
		return nil
	}
	if err := wh.Install(c.Config); err != nil {
		return fmt.Errorf("install webhook configurations: %w", err)
	}
	return nil
}
