package certs_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/util/keyutil"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/certs"
	"github.com/imagepin/imagepin/certs/pki"
	"github.com/imagepin/imagepin/internal/testenv/promtest"
)

const converge = 30 * time.Second

// selfSignedEnv is one self-signed Provider's world: a namespace, webhook
// configurations named after it, a cert dir.
type selfSignedEnv struct {
	cl     client.Client
	ns     string
	config string
}

func newSelfSignedEnv(t *testing.T) selfSignedEnv {
	_, cl := apiServer(t)
	ns := newNamespace(t, cl)
	webhookConfigurations(t, cl, ns)
	return selfSignedEnv{cl: cl, ns: ns, config: ns}
}

func (e selfSignedEnv) provider(t *testing.T, dir string, opts ...certs.Option) *certs.Provider {
	t.Helper()
	cp, _ := apiServer(t)
	p, err := certs.New(certs.SelfSigned, cp.Config, append([]certs.Option{
		certs.WithNamespace(e.ns), certs.WithCertDir(dir),
		certs.WithWebhookConfigurations(e.config, e.config), certs.WithExtraSANs("127.0.0.1"),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (e selfSignedEnv) secret(ctx context.Context) (*corev1.Secret, error) {
	sec := &corev1.Secret{}
	err := e.cl.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: certs.DefaultSecretName}, sec)
	return sec, err
}

// converged says whether the Secret holds a valid CA and a serving pair
// it signed for the Service's names, whether both caBundles are its ca.crt
// and whether each cert dir holds its pair; if not, why.
func (e selfSignedEnv) converged(ctx context.Context, dirs ...string) (bool, string) {
	sec, err := e.secret(ctx)
	if err != nil {
		return false, err.Error()
	}
	if err := checkSecret(sec, e.ns); err != nil {
		return false, err.Error()
	}
	m, v, err := caBundles(ctx, e.cl, e.config)
	if err != nil {
		return false, err.Error()
	}
	if ca := sec.Data[certs.CABundleKey]; !bytes.Equal(m, ca) || !bytes.Equal(v, ca) {
		return false, "a caBundle differs from the Secret's ca.crt"
	}
	for _, dir := range dirs {
		cert, key, err := filesIn(dir)
		if err != nil || !bytes.Equal(cert, sec.Data["tls.crt"]) || !bytes.Equal(key, sec.Data["tls.key"]) {
			return false, fmt.Sprintf("cert dir %s does not hold the Secret's pair (%v)", dir, err)
		}
	}
	return true, ""
}

// checkSecret verifies the chain in a self-signed Secret: the serving pair
// is signed by the first CA of ca.crt, whose key ca.key is, for the
// Service's names.
func checkSecret(sec *corev1.Secret, ns string) error {
	pair, err := pki.ParseKeyPair(sec.Data["tls.crt"], sec.Data["tls.key"])
	if err != nil {
		return err
	}
	cas := pki.ParseBundle(sec.Data[certs.CABundleKey], time.Now())
	if len(cas) == 0 {
		return errors.New("no valid CA in ca.crt")
	}
	if err := pair.Cert.CheckSignatureFrom(cas[0]); err != nil {
		return fmt.Errorf("serving certificate not signed by the first CA: %w", err)
	}
	key, err := keyutil.ParsePrivateKeyPEM(sec.Data[certs.CAKeyKey])
	if err != nil {
		return fmt.Errorf("ca.key: %w", err)
	}
	if signer, ok := key.(crypto.Signer); !ok || !signer.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(cas[0].PublicKey) {
		return errors.New("ca.key is not the key of the first CA")
	}
	roots := x509.NewCertPool()
	roots.AddCert(cas[0])
	for _, name := range serviceNames(ns) {
		if _, err := pair.Cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: name}); err != nil {
			return fmt.Errorf("serving certificate for %s: %w", name, err)
		}
	}
	return nil
}

func TestSelfSignedIssuesPublishesAndServes(t *testing.T) {
	e := newSelfSignedEnv(t)
	dir, reg := t.TempDir(), prometheus.NewRegistry()
	p := e.provider(t, dir, certs.WithMetrics(reg))
	if err := p.ReadyCheck(nil); err == nil {
		t.Fatal("ready before start")
	}
	addr := serve(t, p)
	run(t, p)
	eventually(t, converge, "ready", func() (bool, string) { err := p.ReadyCheck(nil); return err == nil, fmt.Sprint(err) })
	// Ready means published and written: no waiting from here on.
	if ok, why := e.converged(t.Context(), dir); !ok {
		t.Fatalf("ready but not converged: %s", why)
	}
	sec, err := e.secret(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if sec.Type != corev1.SecretTypeTLS || sec.Labels["app.kubernetes.io/managed-by"] != "imagepin" {
		t.Errorf("Secret type %q labels %v, want kubernetes.io/tls managed by imagepin", sec.Type, sec.Labels)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(sec.Data[certs.CABundleKey])
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatalf("TLS with the published CA bundle: %v", err)
	}
	leaf := conn.ConnectionState().PeerCertificates[0]
	conn.Close()
	pair, _ := pki.ParseKeyPair(sec.Data["tls.crt"], sec.Data["tls.key"])
	if !leaf.Equal(pair.Cert) {
		t.Error("the server does not serve the Secret's certificate")
	}
	eventually(t, 5*time.Second, "expiry metrics", func() (bool, string) {
		s, c := gauge(t, reg, "serving"), gauge(t, reg, "ca")
		wantCA := pki.ParseBundle(sec.Data[certs.CABundleKey], time.Now())[0].NotAfter.Unix()
		return s == float64(leaf.NotAfter.Unix()) && c == float64(wantCA), fmt.Sprintf("serving=%v ca=%v", s, c)
	})
}

// TestSelfSignedReplicasAgreeOnOneSecret starts replicas at once on an
// empty namespace: they race to create the Secret and all end up with the
// same certificate in their cert dirs.
func TestSelfSignedReplicasAgreeOnOneSecret(t *testing.T) {
	e := newSelfSignedEnv(t)
	var dirs []string
	var providers []*certs.Provider
	for range 3 {
		dir := t.TempDir()
		dirs, providers = append(dirs, dir), append(providers, e.provider(t, dir))
	}
	for _, p := range providers {
		run(t, p)
	}
	for i, p := range providers {
		eventually(t, converge, fmt.Sprintf("replica %d ready", i), func() (bool, string) {
			err := p.ReadyCheck(nil)
			return err == nil, fmt.Sprint(err)
		})
	}
	if ok, why := e.converged(t.Context(), dirs...); !ok {
		t.Fatalf("replicas disagree: %s", why)
	}
}

// gauge reads the expiry metric of cert (serving, ca) from g, 0 when unset.
func gauge(t *testing.T, g prometheus.Gatherer, cert string) float64 {
	t.Helper()
	return promtest.Value(t, g, certs.ExpiryMetric, map[string]string{"cert": cert})
}
