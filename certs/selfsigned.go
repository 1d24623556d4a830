package certs

import (
	"context"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/imagepin/imagepin/certs/pki"
)

// selfSigned is the reconciler of the SelfSigned mode. Each pass makes the
// Secret hold what pki.Policy.Plan decides (the first replica to write
// wins; the others adopt what won), publishes the Secret's CA bundle as
// caBundle, then installs the key pair in the cert dir, in that order: a
// replica never serves a certificate before its CA is published.
type selfSigned struct {
	client  client.Client
	secret  types.NamespacedName
	policy  pki.Policy
	configs webhookConfigs
	serving *serving
	expiry  *expiry
}

func newSelfSignedLoop(cfg *rest.Config, o options, s *serving, e *expiry) (*loop, error) {
	scheme, c, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	r := &selfSigned{
		client:  c,
		secret:  types.NamespacedName{Namespace: o.namespace, Name: o.secretName},
		policy:  o.policy(),
		configs: webhookConfigs{mutating: o.mutating, validating: o.validating},
		serving: s,
		expiry:  e,
	}
	watches := []watched{{obj: &corev1.Secret{}, namespace: o.namespace, name: o.secretName}}
	if o.mutating != "" {
		watches = append(watches, watched{obj: &admissionv1.MutatingWebhookConfiguration{}, name: o.mutating})
	}
	if o.validating != "" {
		watches = append(watches, watched{obj: &admissionv1.ValidatingWebhookConfiguration{}, name: o.validating})
	}
	return &loop{name: "imagepin-certs", cfg: cfg, scheme: scheme, key: r.secret, watches: watches, rec: r}, nil
}

// Reconcile runs one pass; see selfSigned.
func (r *selfSigned) Reconcile(ctx context.Context, _ reconcile.Request) (reconcile.Result, error) {
	d, err := r.ensureSecret(ctx)
	if err != nil {
		return reconcile.Result{}, err
	}
	if err := r.configs.sync(ctx, r.client, d.State.Bundle); err != nil {
		return reconcile.Result{}, err
	}
	if err := r.serving.install(ctx, d.State.Cert, d.State.Key); err != nil {
		return reconcile.Result{}, err
	}
	r.expiry.set(certCA, d.CA)
	return requeueAfter(d.Next), nil
}
