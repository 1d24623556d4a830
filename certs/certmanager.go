package certs

import (
	"context"
	"crypto/x509"
	"fmt"
	"time"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/imagepin/imagepin/certs/pki"
)

// certManager is the reconciler of the CertManager mode: it makes sure the
// Certificate exists, waits for cert-manager to store the key pair in the
// Secret, and installs it in the cert dir whenever the Secret changes. It
// leaves the caBundle to cert-manager's cainjector (the chart annotates the
// webhook configurations with cert-manager.io/inject-ca-from), so that one
// controller owns that field and imagepin needs no write access to webhook
// configurations in this mode.
type certManager struct {
	client  client.Client
	key     types.NamespacedName // of the Certificate and of its Secret
	opts    options
	serving *serving
	expiry  *expiry
}

func newCertManagerLoop(cfg *rest.Config, o options, s *serving, e *expiry) (*loop, error) {
	scheme, c, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	key := types.NamespacedName{Namespace: o.namespace, Name: o.secretName}
	r := &certManager{client: c, key: key, opts: o, serving: s, expiry: e}
	return &loop{
		name: "imagepin-certs", cfg: cfg, scheme: scheme, key: key, rec: r, precheck: r.crdInstalled,
		watches: []watched{
			{obj: &cmapi.Certificate{}, namespace: key.Namespace, name: key.Name},
			{obj: &corev1.Secret{}, namespace: key.Namespace, name: key.Name},
		},
	}, nil
}

// crdInstalled fails early and clearly where cert-manager is missing,
// rather than after the informers' sync timeout.
func (r *certManager) crdInstalled(context.Context) error {
	gk := cmapi.SchemeGroupVersion.WithKind(cmapi.CertificateKind).GroupKind()
	if _, err := r.client.RESTMapper().RESTMapping(gk, cmapi.SchemeGroupVersion.Version); err != nil {
		if meta.IsNoMatchError(err) {
			return fmt.Errorf("--cert-mode=cert-manager: the Certificate kind (%s) is not served; is cert-manager installed? %w", cmapi.SchemeGroupVersion, err)
		}
		return fmt.Errorf("look up the Certificate kind: %w", err)
	}
	return nil
}

// Reconcile runs one pass; see certManager.
func (r *certManager) Reconcile(ctx context.Context, _ reconcile.Request) (reconcile.Result, error) {
	crt, err := r.ensureCertificate(ctx)
	if err != nil {
		return reconcile.Result{}, err
	}
	if crt.Spec.SecretName != r.key.Name {
		// Waits for the Certificate to change: its watch wakes the loop.
		return reconcile.Result{}, reconcile.TerminalError(fmt.Errorf("certificate %s stores its key pair in Secret %q, imagepin reads %q",
			r.key, crt.Spec.SecretName, r.key.Name))
	}
	pair, ca, err := r.issued(ctx)
	if err != nil || pair == nil {
		return reconcile.Result{}, err
	}
	if err := r.serving.install(ctx, pair.CertPEM, pair.KeyPEM); err != nil {
		return reconcile.Result{}, err
	}
	r.expiry.set(certCA, ca)
	return reconcile.Result{}, nil
}

// issued returns the key pair of the Secret and the first CA of its
// ca.crt, or a nil pair while cert-manager has not issued one yet.
func (r *certManager) issued(ctx context.Context) (*pki.KeyPair, *x509.Certificate, error) {
	log := logf.FromContext(ctx).WithValues("secret", r.key.String())
	sec := &corev1.Secret{}
	if err := r.client.Get(ctx, r.key, sec); err != nil {
		if apierrors.IsNotFound(err) {
			log.Info("waiting for cert-manager to issue the certificate")
			return nil, nil, nil
		}
		return nil, nil, fmt.Errorf("read Secret %s: %w", r.key, err)
	}
	pair, err := pki.ParseKeyPair(sec.Data[corev1.TLSCertKey], sec.Data[corev1.TLSPrivateKeyKey])
	if err != nil {
		log.Info("waiting for a usable key pair in the Secret", "reason", err.Error())
		return nil, nil, nil
	}
	var ca *x509.Certificate
	if cas := pki.ParseBundle(sec.Data[CABundleKey], time.Now()); len(cas) > 0 {
		ca = cas[0]
	}
	return pair, ca, nil
}
