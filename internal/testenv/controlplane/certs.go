package controlplane

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/util/keyutil"

	"github.com/imagepin/imagepin/certs/pki"
)

// certValidity is how long the control plane's certificates are valid: a
// week, as envtest's, long enough for any test run or demo session.
const certValidity = 7 * 24 * time.Hour

// servingNames are the names of the serving certificates of the API server
// and of the test's webhook server: everything here runs on 127.0.0.1.
var servingNames = []string{"localhost", "127.0.0.1"}

// authority is the control plane's PKI, made fresh for every control
// plane, as envtest makes it: the CA of the API server's serving
// certificate, which clients trust; the CA of client certificates, which
// the API server trusts (a user's groups are the certificate's
// organizations); and the key pair that signs ServiceAccount tokens.
type authority struct {
	servingCA, clientCA, serviceAccounts *pki.KeyPair
}

func newAuthority() (*authority, error) {
	var a authority
	for _, ca := range []**pki.KeyPair{&a.servingCA, &a.clientCA, &a.serviceAccounts} {
		var err error
		if *ca, err = pki.NewCA(time.Now(), certValidity); err != nil {
			return nil, fmt.Errorf("control plane CA: %w", err)
		}
	}
	return &a, nil
}

// servingPair issues a serving certificate for servingNames, signed by ca.
func servingPair(ca *pki.KeyPair) (*pki.KeyPair, error) {
	pair, err := pki.NewServing(ca, pki.ParseNames(servingNames...), time.Now(), certValidity)
	if err != nil {
		return nil, fmt.Errorf("serving certificate: %w", err)
	}
	return pair, nil
}

// clientCert issues a client certificate for user in groups, signed by the
// client CA. certs/pki issues CA and serving certificates only.
func (a *authority) clientCert(user string, groups []string) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("key of user %s: %w", user, err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, nil, fmt.Errorf("serial number: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: user, Organization: groups},
		NotBefore:    time.Now().Add(-pki.Backdate),
		NotAfter:     a.clientCA.Cert.NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.clientCA.Cert, key.Public(), a.clientCA.Key)
	if err != nil {
		return nil, nil, fmt.Errorf("certificate of user %s: %w", user, err)
	}
	if keyPEM, err = keyutil.MarshalPrivateKeyToPEM(key); err != nil {
		return nil, nil, fmt.Errorf("key of user %s: %w", user, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), keyPEM, nil
}

// apiServerFiles are the files of the API server's key material.
type apiServerFiles struct {
	dir, cert, key, clientCA, saCert, saKey string
}

// writeAPIServerFiles writes the API server's serving key pair, the client
// CA and the ServiceAccount key pair into dir, under envtest's names.
func (a *authority) writeAPIServerFiles(dir string) (apiServerFiles, error) {
	f := apiServerFiles{dir: dir}
	serving, err := servingPair(a.servingCA)
	if err != nil {
		return f, err
	}
	files := []struct {
		path *string
		name string
		data []byte
	}{
		{&f.cert, "apiserver.crt", serving.CertPEM},
		{&f.key, "apiserver.key", serving.KeyPEM},
		{&f.clientCA, "client-cert-auth-ca.crt", a.clientCA.CertPEM},
		{&f.saCert, "sa-signer.crt", a.serviceAccounts.CertPEM},
		{&f.saKey, "sa-signer.key", a.serviceAccounts.KeyPEM},
	}
	for _, file := range files {
		*file.path = filepath.Join(dir, file.name)
		if err := writeFile(*file.path, file.data); err != nil {
			return f, err
		}
	}
	return f, nil
}

// writeFile writes a file that only we may read, in a folder it may need.
func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("folder of %s: %w", path, err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
