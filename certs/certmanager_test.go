package certs_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/certs"
	"github.com/imagepin/imagepin/certs/pki"
)

func certManagerProvider(t *testing.T, ns, dir string, opts ...certs.Option) *certs.Provider {
	t.Helper()
	cp, _ := apiServer(t)
	p, err := certs.New(certs.CertManager, cp.Config, append([]certs.Option{
		certs.WithNamespace(ns), certs.WithCertDir(dir), certs.WithIssuer("imagepin-ca", cmapi.IssuerKind), certs.WithExtraSANs("127.0.0.1"),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// issue plays cert-manager: it writes the Certificate's Secret with a pair
// for its names, signed by ca. It is the one part of this mode that cannot
// be real here.
func issue(ctx context.Context, cl client.Client, crt *cmapi.Certificate, ca *pki.KeyPair) (*pki.KeyPair, error) {
	pair, err := pki.NewServing(ca, pki.ParseNames(append(crt.Spec.DNSNames, crt.Spec.IPAddresses...)...), time.Now(), time.Hour)
	if err != nil {
		return nil, err
	}
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: crt.Namespace, Name: crt.Spec.SecretName}}
	err = cl.Get(ctx, client.ObjectKeyFromObject(sec), sec)
	sec.Type = corev1.SecretTypeTLS
	sec.Annotations = map[string]string{cmapi.CertificateNameKey: crt.Name}
	sec.Data = map[string][]byte{"tls.crt": pair.CertPEM, "tls.key": pair.KeyPEM, "ca.crt": ca.CertPEM}
	if err != nil {
		return pair, cl.Create(ctx, sec)
	}
	return pair, cl.Update(ctx, sec)
}

func TestCertManagerWaitsForTheIssuedSecret(t *testing.T) {
	_, cl := apiServer(t)
	ns, dir, reg := newNamespace(t, cl), t.TempDir(), prometheus.NewRegistry()
	p := certManagerProvider(t, ns, dir, certs.WithMetrics(reg))
	addr := serve(t, p)
	run(t, p)

	crt := &cmapi.Certificate{}
	eventually(t, converge, "Certificate created", func() (bool, string) {
		err := cl.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: certs.DefaultSecretName}, crt)
		return err == nil, fmt.Sprint(err)
	})
	want := cmapi.CertificateSpec{
		SecretName: certs.DefaultSecretName, DNSNames: serviceNames(ns), IPAddresses: []string{"127.0.0.1"},
		IssuerRef:   cmmeta.IssuerReference{Name: "imagepin-ca", Kind: "Issuer", Group: "cert-manager.io"},
		Duration:    &metav1.Duration{Duration: certs.DefaultValidity},
		RenewBefore: &metav1.Duration{Duration: certs.DefaultRenewBefore},
		PrivateKey:  &cmapi.CertificatePrivateKey{Algorithm: cmapi.ECDSAKeyAlgorithm, Size: 256, RotationPolicy: cmapi.RotationPolicyAlways},
		Usages:      []cmapi.KeyUsage{cmapi.UsageDigitalSignature, cmapi.UsageServerAuth},
	}
	if diff := cmp.Diff(want, crt.Spec); diff != "" {
		t.Errorf("Certificate spec (-want +got):\n%s", diff)
	}
	// The pass that created the Certificate found no Secret: nothing to serve.
	if err := p.ReadyCheck(nil); err == nil {
		t.Error("ready before cert-manager issued the certificate")
	}
	if _, err := served(addr); err == nil {
		t.Error("TLS handshake succeeded before a certificate was issued")
	}

	ca, err := pki.NewCA(time.Now(), 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // issued, then renewed
		pair, err := issue(t.Context(), cl, crt, ca)
		if err != nil {
			t.Fatalf("issue #%d: %v", i, err)
		}
		eventually(t, converge, fmt.Sprintf("certificate #%d served", i), func() (bool, string) {
			c, err := served(addr)
			if err != nil {
				return false, err.Error()
			}
			return c.Equal(pair.Cert) && p.ReadyCheck(nil) == nil, "serial " + c.SerialNumber.Text(16)
		})
		if cert, key, err := filesIn(dir); err != nil || !bytes.Equal(cert, pair.CertPEM) || !bytes.Equal(key, pair.KeyPEM) {
			t.Errorf("cert dir does not hold certificate #%d (%v)", i, err)
		}
	}
	if got, want := gauge(t, reg, "ca"), float64(ca.Cert.NotAfter.Unix()); got != want {
		t.Errorf("CA expiry metric = %v, want %v", got, want)
	}
}

// TestCertManagerCertificateOwnership: a Certificate someone else made (the
// chart) is used as it is; one imagepin made is brought back to its options.
func TestCertManagerCertificateOwnership(t *testing.T) {
	tests := map[string]struct {
		managedBy   string
		wantRestore bool
	}{
		"made by the chart: used as is":      {managedBy: "Helm"},
		"made by imagepin: options restored": {managedBy: "imagepin", wantRestore: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, cl := apiServer(t)
			ns := newNamespace(t, cl)
			crt := &cmapi.Certificate{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: certs.DefaultSecretName,
					Labels: map[string]string{"app.kubernetes.io/managed-by": tc.managedBy}},
				Spec: cmapi.CertificateSpec{
					SecretName: certs.DefaultSecretName, DNSNames: []string{"other.example"},
					IssuerRef: cmmeta.IssuerReference{Name: "chart-issuer", Kind: "ClusterIssuer"},
				},
			}
			if err := cl.Create(t.Context(), crt); err != nil {
				t.Fatal(err)
			}
			ca, err := pki.NewCA(time.Now(), time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := issue(t.Context(), cl, crt, ca); err != nil {
				t.Fatal(err)
			}
			p := certManagerProvider(t, ns, t.TempDir())
			run(t, p)
			// Ready means a pass ran through ensureCertificate.
			eventually(t, converge, "ready", func() (bool, string) { err := p.ReadyCheck(nil); return err == nil, fmt.Sprint(err) })
			if err := cl.Get(t.Context(), client.ObjectKeyFromObject(crt), crt); err != nil {
				t.Fatal(err)
			}
			restored := cmp.Equal(crt.Spec.DNSNames, serviceNames(ns)) && crt.Spec.IssuerRef.Name == "imagepin-ca"
			if restored != tc.wantRestore {
				t.Errorf("Certificate restored to the options = %v, want %v (dnsNames %v, issuer %s)",
					restored, tc.wantRestore, crt.Spec.DNSNames, crt.Spec.IssuerRef.Name)
			}
		})
	}
}

// TestCertManagerWithoutCertManager: on a cluster without cert-manager the
// Provider stops at once with a message that says so, instead of waiting
// for informers that never sync. The test removes the Certificate CRD of the
// shared control plane for its duration: it must not run in parallel with
// the tests that need it.
func TestCertManagerWithoutCertManager(t *testing.T) {
	cp, _ := apiServer(t)
	crd, err := certificateCRD()
	if err != nil {
		t.Fatal(err)
	}
	cp.RemoveCRDs(t, crd)
	p, err := certs.New(certs.CertManager, cp.Config, certs.WithNamespace("imagepin"), certs.WithCertDir(t.TempDir()),
		certs.WithIssuer("imagepin-ca", cmapi.IssuerKind))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), converge)
	defer cancel()
	if err := p.Start(ctx); err == nil || !strings.Contains(err.Error(), "is cert-manager installed?") {
		t.Errorf("Start = %v, want an error asking whether cert-manager is installed", err)
	}
}
