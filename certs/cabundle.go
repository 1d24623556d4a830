package certs

import (
	"bytes"
	"context"
	"fmt"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// webhookConfigs names imagepin's webhook configurations; "" skips one.
type webhookConfigs struct {
	mutating, validating string
}

// bundleTarget is one webhook configuration and the client configs of its
// webhooks (read from obj after a Get).
type bundleTarget struct {
	obj     client.Object
	kind    string
	name    string
	configs func() []*admissionv1.WebhookClientConfig
}

func (w webhookConfigs) targets() []bundleTarget {
	var ts []bundleTarget
	if w.mutating != "" {
		m := &admissionv1.MutatingWebhookConfiguration{}
		ts = append(ts, bundleTarget{obj: m, kind: "MutatingWebhookConfiguration", name: w.mutating, configs: func() []*admissionv1.WebhookClientConfig {
			return clientConfigs(m.Webhooks, func(h *admissionv1.MutatingWebhook) *admissionv1.WebhookClientConfig { return &h.ClientConfig })
		}})
	}
	if w.validating != "" {
		v := &admissionv1.ValidatingWebhookConfiguration{}
		ts = append(ts, bundleTarget{obj: v, kind: "ValidatingWebhookConfiguration", name: w.validating, configs: func() []*admissionv1.WebhookClientConfig {
			return clientConfigs(v.Webhooks, func(h *admissionv1.ValidatingWebhook) *admissionv1.WebhookClientConfig { return &h.ClientConfig })
		}})
	}
	return ts
}

func clientConfigs[H any](hooks []H, of func(*H) *admissionv1.WebhookClientConfig) []*admissionv1.WebhookClientConfig {
	ccs := make([]*admissionv1.WebhookClientConfig, len(hooks))
	for i := range hooks {
		ccs[i] = of(&hooks[i])
	}
	return ccs
}

// sync sets bundle as the caBundle of every webhook of the configurations.
// A configuration that does not exist yet is skipped: its creation wakes
// the loop again.
func (w webhookConfigs) sync(ctx context.Context, c client.Client, bundle []byte) error {
	for _, t := range w.targets() {
		if err := retry.RetryOnConflict(retry.DefaultRetry, func() error { return t.sync(ctx, c, bundle) }); err != nil {
			return fmt.Errorf("caBundle of %s %s: %w", t.kind, t.name, err)
		}
	}
	return nil
}

func (t bundleTarget) sync(ctx context.Context, c client.Client, bundle []byte) error {
	log := logf.FromContext(ctx).WithValues("kind", t.kind, "configuration", t.name)
	if err := c.Get(ctx, client.ObjectKey{Name: t.name}, t.obj); err != nil {
		if apierrors.IsNotFound(err) {
			log.V(1).Info("webhook configuration not found; its caBundle is set once it exists")
			return nil
		}
		return err
	}
	changed := false
	for _, cc := range t.configs() {
		if !bytes.Equal(cc.CABundle, bundle) {
			cc.CABundle, changed = bundle, true
		}
	}
	if !changed {
		return nil
	}
	if err := c.Update(ctx, t.obj); err != nil {
		return err
	}
	log.Info("caBundle updated")
	return nil
}
