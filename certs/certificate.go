package certs

import (
	"context"
	"fmt"

	"github.com/cert-manager/cert-manager/pkg/apis/certmanager"
	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// certificateSpec writes what imagepin asks of cert-manager into spec,
// leaving the fields it does not set (and cert-manager's defaults) alone.
func (o options) certificateSpec(spec *cmapi.CertificateSpec) {
	names := o.names()
	ips := make([]string, len(names.IPs))
	for i, ip := range names.IPs {
		ips[i] = ip.String()
	}
	spec.SecretName = o.secretName
	spec.DNSNames, spec.IPAddresses = names.DNS, ips
	spec.IssuerRef = cmmeta.IssuerReference{Name: o.issuerName, Kind: o.issuerKind, Group: certmanager.GroupName}
	spec.Duration = &metav1.Duration{Duration: o.validity}
	spec.RenewBefore = &metav1.Duration{Duration: o.renewBefore}
	spec.PrivateKey = &cmapi.CertificatePrivateKey{
		Algorithm: cmapi.ECDSAKeyAlgorithm, Size: 256, RotationPolicy: cmapi.RotationPolicyAlways,
	}
	spec.Usages = []cmapi.KeyUsage{cmapi.UsageDigitalSignature, cmapi.UsageServerAuth}
}

// ensureCertificate creates the Certificate when it is missing. One that
// imagepin created (managed-by label) is brought back to the options; any
// other, such as one the chart or a user made, is used as it is.
func (r *certManager) ensureCertificate(ctx context.Context) (*cmapi.Certificate, error) {
	crt := &cmapi.Certificate{}
	err := retry.OnError(retry.DefaultRetry, lostRace, func() error {
		if err := r.client.Get(ctx, r.key, crt); err != nil {
			if apierrors.IsNotFound(err) {
				return r.createCertificate(ctx, crt)
			}
			return fmt.Errorf("read Certificate %s: %w", r.key, err)
		}
		return r.updateCertificate(ctx, crt)
	})
	return crt, err
}

func (r *certManager) createCertificate(ctx context.Context, crt *cmapi.Certificate) error {
	*crt = cmapi.Certificate{ObjectMeta: metav1.ObjectMeta{Namespace: r.key.Namespace, Name: r.key.Name, Labels: managedLabels()}}
	r.opts.certificateSpec(&crt.Spec)
	if err := r.client.Create(ctx, crt); err != nil {
		return fmt.Errorf("create Certificate %s: %w", r.key, err)
	}
	logf.FromContext(ctx).Info("cert-manager Certificate created", "certificate", r.key.String(),
		"issuer", crt.Spec.IssuerRef.Name, "issuerKind", crt.Spec.IssuerRef.Kind, "dnsNames", crt.Spec.DNSNames)
	return nil
}

func (r *certManager) updateCertificate(ctx context.Context, crt *cmapi.Certificate) error {
	if crt.Labels["app.kubernetes.io/managed-by"] != managedLabels()["app.kubernetes.io/managed-by"] {
		return nil
	}
	want := crt.DeepCopy()
	r.opts.certificateSpec(&want.Spec)
	if equality.Semantic.DeepEqual(want.Spec, crt.Spec) {
		return nil
	}
	if err := r.client.Update(ctx, want); err != nil {
		return fmt.Errorf("update Certificate %s: %w", r.key, err)
	}
	*crt = *want
	logf.FromContext(ctx).Info("cert-manager Certificate updated to the options", "certificate", r.key.String())
	return nil
}
