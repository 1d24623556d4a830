package pki

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"slices"
	"time"
)

// ParseBundle returns the CA certificates of a PEM bundle that are valid
// at now. Blocks that are not certificates, do not parse, are not CAs or
// are expired are skipped: a damaged bundle still yields what is usable.
func ParseBundle(data []byte, now time.Time) []*x509.Certificate {
	var cas []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return cas
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil || !cert.IsCA || !now.Before(cert.NotAfter) {
			continue
		}
		cas = append(cas, cert)
	}
}

// EncodeBundle writes CA certificates as one PEM bundle, in order.
func EncodeBundle(cas ...*x509.Certificate) []byte {
	var buf bytes.Buffer
	for _, ca := range cas {
		buf.Write(encodeCert(ca))
	}
	return buf.Bytes()
}

// withSigner orders a trust bundle: the signing CA first, then the other
// CAs, latest expiry first, each once.
func withSigner(signer *x509.Certificate, others []*x509.Certificate) []*x509.Certificate {
	out := []*x509.Certificate{signer}
	for _, ca := range others {
		if !slices.ContainsFunc(out, ca.Equal) {
			out = append(out, ca)
		}
	}
	slices.SortStableFunc(out[1:], func(a, b *x509.Certificate) int { return b.NotAfter.Compare(a.NotAfter) })
	return out
}

// chainsTo reports whether leaf is a valid server certificate at now under
// one of cas.
func chainsTo(leaf *x509.Certificate, cas []*x509.Certificate, now time.Time) bool {
	roots := x509.NewCertPool()
	for _, ca := range cas {
		roots.AddCert(ca)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:       roots,
		CurrentTime: now,
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	return err == nil
}
