package controlplane

import (
	"context"
	"fmt"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/imagepin/imagepin/internal/testenv"
)

// cleanupTimeout bounds what a test's cleanup does on the control plane.
const cleanupTimeout = time.Minute

// InstallWebhooks installs webhook configurations for the rest of t and
// deletes them when t ends: each config is a
// *admissionv1.ValidatingWebhookConfiguration or a
// *admissionv1.MutatingWebhookConfiguration, pointed at c.Webhook as those
// of Options are (a Service reference keeps its path and becomes
// https://host:port/path, trusted through c.Webhook.CAPEM). The configs
// are copied, not changed. Tests of one binary that install configurations
// of the same name must not run in parallel.
func (c *ControlPlane) InstallWebhooks(t testenv.TB, configs ...client.Object) {
	t.Helper()
	opts := envtest.WebhookInstallOptions{
		LocalServingHost: c.Webhook.Host, LocalServingPort: c.Webhook.Port,
		LocalServingCertDir: c.Webhook.CertDir, LocalServingCAData: c.Webhook.CAPEM,
	}
	for _, cfg := range configs {
		switch cfg := cfg.(type) {
		case *admissionv1.ValidatingWebhookConfiguration:
			opts.ValidatingWebhooks = append(opts.ValidatingWebhooks, cfg.DeepCopy())
		case *admissionv1.MutatingWebhookConfiguration:
			opts.MutatingWebhooks = append(opts.MutatingWebhooks, cfg.DeepCopy())
		default:
			t.Fatalf("install webhooks: %T is no webhook configuration", cfg)
		}
	}
	// With the CA given, Install leaves the client configs as they are.
	if err := opts.ModifyWebhookDefinitions(); err != nil {
		t.Fatalf("install webhooks: %v", err)
	}
	installed := make([]client.Object, 0, len(configs))
	for _, cfg := range opts.ValidatingWebhooks {
		installed = append(installed, cfg)
	}
	for _, cfg := range opts.MutatingWebhooks {
		installed = append(installed, cfg)
	}
	t.Cleanup(func() {
		if err := c.deleteAll(installed); err != nil {
			t.Errorf("delete webhook configurations: %v", err)
		}
	})
	if err := opts.Install(c.Config); err != nil {
		t.Fatalf("install webhooks: %v", err)
	}
}

// deleteAll deletes objs; those already gone count as deleted.
func (c *ControlPlane) deleteAll(objs []client.Object) error {
	cl, err := client.New(c.Config, client.Options{})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	for _, obj := range objs {
		if err := cl.Delete(ctx, obj); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete %s: %w", obj.GetName(), err)
		}
	}
	return nil
}
