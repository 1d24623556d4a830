package registry

import (
	"fmt"
	"time"

	"github.com/imagepin/imagepin/certs/pki"
)

// certValidity is long enough for any test run and short enough that a leaked
// key is worthless.
const certValidity = 24 * time.Hour

// servingNames are the names of a registry's serving certificate: every
// registry listens on the loopback interface.
var servingNames = []string{"127.0.0.1", "::1", "localhost"}

// serverCerts holds PEM blocks of a fresh CA and of a serving certificate it
// signed for servingNames.
type serverCerts struct {
	caPEM, certPEM, keyPEM []byte
}

// newServerCerts creates a throwaway CA per registry, so that a test trusting
// one registry trusts nothing else, and a serving certificate it signed.
func newServerCerts() (*serverCerts, error) {
	now := time.Now()
	ca, err := pki.NewCA(now, certValidity)
	if err != nil {
		return nil, fmt.Errorf("registry CA: %w", err)
	}
	serving, err := pki.NewServing(ca, pki.ParseNames(servingNames...), now, certValidity)
	if err != nil {
		return nil, fmt.Errorf("registry serving certificate: %w", err)
	}
	return &serverCerts{caPEM: ca.CertPEM, certPEM: serving.CertPEM, keyPEM: serving.KeyPEM}, nil
}
