package pki

import (
	"net"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestNewServing(t *testing.T) {
	ca := newCA(t, t0, 5*time.Hour)
	names := ParseNames("a.ns.svc", "a.ns.svc.cluster.local", "127.0.0.1", "a.ns.svc", "127.0.0.1")
	kp := issued(t, ca, names, t0)
	if diff := cmp.Diff([]string{"a.ns.svc", "a.ns.svc.cluster.local"}, kp.Cert.DNSNames); diff != "" {
		t.Errorf("DNS names (-want +got):\n%s", diff)
	}
	if len(kp.Cert.IPAddresses) != 1 || !kp.Cert.IPAddresses[0].Equal(net.IPv4(127, 0, 0, 1)) {
		t.Errorf("IP addresses = %v, want [127.0.0.1]", kp.Cert.IPAddresses)
	}
	if !kp.Cert.NotAfter.Equal(ca.Cert.NotAfter) {
		t.Errorf("NotAfter = %s, want capped at the CA's %s", kp.Cert.NotAfter, ca.Cert.NotAfter)
	}
	if !kp.Cert.NotBefore.Equal(t0.Add(-Backdate)) {
		t.Errorf("NotBefore = %s, want %s", kp.Cert.NotBefore, t0.Add(-Backdate))
	}
	if !chainsTo(kp.Cert, ParseBundle(ca.CertPEM, t0), t0) {
		t.Error("serving certificate does not verify under its CA")
	}
	back, err := ParseKeyPair(kp.CertPEM, kp.KeyPEM)
	if err != nil || !back.Cert.Equal(kp.Cert) {
		t.Errorf("ParseKeyPair of the PEM = %v, %v", back, err)
	}
	if _, err := NewServing(ca, Names{}, t0, time.Hour); err == nil {
		t.Error("NewServing without names succeeded")
	}
}

func TestParseBundleSkipsJunk(t *testing.T) {
	ca, expired := newCA(t, t0, 5*time.Hour), newCA(t, t0, time.Hour)
	leaf := issued(t, ca, ParseNames("x"), t0)
	data := append([]byte("junk\n"), EncodeBundle(expired.Cert, ca.Cert)...)
	data = append(data, leaf.CertPEM...)
	data = append(data, leaf.KeyPEM...)
	got := ParseBundle(data, t0.Add(2*time.Hour))
	if len(got) != 1 || !got[0].Equal(ca.Cert) {
		t.Errorf("ParseBundle = %d certificates, want only the valid CA", len(got))
	}
}
