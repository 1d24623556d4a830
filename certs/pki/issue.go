package pki

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"time"
)

// Backdate is how long before its creation a certificate is valid, so that
// an API server whose clock runs a little behind ours accepts it at once.
// Plan reads a CA's creation time back as NotBefore + Backdate.
const Backdate = time.Minute

// NewCA creates a self-signed CA, valid from now-Backdate to now+validity,
// that may sign serving certificates only.
func NewCA(now time.Time, validity time.Duration) (*KeyPair, error) {
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	return sign(&x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: fmt.Sprintf("imagepin-webhook-ca@%d", now.Unix())},
		NotBefore:             now.Add(-Backdate),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}, nil)
}

// NewServing issues a TLS server certificate for names, signed by ca and
// valid from now-Backdate to now+validity, but never beyond the CA: a
// certificate that outlives its issuer cannot be verified.
func NewServing(ca *KeyPair, names Names, now time.Time, validity time.Duration) (*KeyPair, error) {
	if len(names.DNS) == 0 && len(names.IPs) == 0 {
		return nil, fmt.Errorf("serving certificate: no DNS name or IP address")
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	notAfter := now.Add(validity)
	if notAfter.After(ca.Cert.NotAfter) {
		notAfter = ca.Cert.NotAfter
	}
	return sign(&x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: names.commonName()},
		DNSNames:     names.DNS,
		IPAddresses:  names.IPs,
		NotBefore:    now.Add(-Backdate),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, ca)
}

// randomSerial returns a random positive 128-bit serial number (RFC 5280
// allows up to 20 octets).
func randomSerial() (*big.Int, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("serial number: %w", err)
	}
	return serial.Add(serial, big.NewInt(1)), nil
}
