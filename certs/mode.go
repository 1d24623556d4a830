package certs

import "fmt"

// Mode is where the webhook server's certificate comes from: the value of
// the manager's --cert-mode flag.
type Mode string

const (
	// SelfSigned makes imagepin its own CA: it keeps a CA and a serving
	// certificate in a Secret, publishes the CA as the caBundle of its
	// webhook configurations, and rotates both before they expire.
	SelfSigned Mode = "self-signed"
	// CertManager has cert-manager issue the certificate for a Certificate
	// that imagepin creates (or finds), and cert-manager's cainjector fill
	// the caBundle.
	CertManager Mode = "cert-manager"
	// External reads tls.crt and tls.key that something else mounts into
	// the cert dir, reloading them when they change.
	External Mode = "external"
)

// Modes returns every Mode, the default first.
func Modes() []Mode { return []Mode{SelfSigned, CertManager, External} }

// ParseMode reads a --cert-mode value.
func ParseMode(s string) (Mode, error) {
	for _, m := range Modes() {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("certificate mode %q: must be %s, %s or %s", s, SelfSigned, CertManager, External)
}
