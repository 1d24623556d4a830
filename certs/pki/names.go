package pki

import (
	"crypto/x509"
	"net"
	"slices"
)

// Names are the subject alternative names of a serving certificate.
type Names struct {
	DNS []string
	IPs []net.IP
}

// ParseNames sorts subject alternative names into IP addresses (whatever
// net.ParseIP reads) and DNS names (everything else), dropping duplicates.
func ParseNames(sans ...string) Names {
	var n Names
	for _, san := range sans {
		if ip := net.ParseIP(san); ip != nil {
			if !slices.ContainsFunc(n.IPs, ip.Equal) {
				n.IPs = append(n.IPs, ip)
			}
		} else if san != "" && !slices.Contains(n.DNS, san) {
			n.DNS = append(n.DNS, san)
		}
	}
	return n
}

// CoveredBy reports whether cert names every DNS name and IP address of n.
func (n Names) CoveredBy(cert *x509.Certificate) bool {
	for _, dns := range n.DNS {
		if !slices.Contains(cert.DNSNames, dns) {
			return false
		}
	}
	for _, ip := range n.IPs {
		if !slices.ContainsFunc(cert.IPAddresses, ip.Equal) {
			return false
		}
	}
	return true
}

// commonName is the first DNS name, or the first IP address. Clients
// ignore it in favour of the SANs, but people read it.
func (n Names) commonName() string {
	if len(n.DNS) > 0 {
		return n.DNS[0]
	}
	return n.IPs[0].String()
}
