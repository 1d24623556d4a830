package registry

import (
	"crypto/tls"
	"crypto/x509"
	"testing"
	"time"
)

func TestNewServerCerts(t *testing.T) {
	certs, err := newServerCerts()
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(certs.certPEM, certs.keyPEM)
	if err != nil {
		t.Fatalf("serving key pair: %v", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(certs.caPEM) {
		t.Fatal("caPEM holds no certificate")
	}
	leaf := pair.Leaf
	for _, name := range servingNames {
		opts := x509.VerifyOptions{Roots: roots, DNSName: name, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
		if _, err := leaf.Verify(opts); err != nil {
			t.Errorf("verify for %s: %v", name, err)
		}
	}
	if got := leaf.NotAfter.Sub(leaf.NotBefore); got < certValidity || got > certValidity+time.Hour {
		t.Errorf("serving certificate valid for %s, want about %s", got, certValidity)
	}
	other, err := newServerCerts()
	if err != nil {
		t.Fatal(err)
	}
	if string(other.caPEM) == string(certs.caPEM) {
		t.Error("two registries share a CA")
	}
}
