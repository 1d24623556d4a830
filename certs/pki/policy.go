package pki

import (
	"bytes"
	"errors"
	"fmt"
	"time"
)

// State is what the certificate Secret holds.
type State struct {
	// Bundle (ca.crt) is every CA that clients trust: the signing CA
	// first, then older CAs until they expire.
	Bundle []byte
	// CAKey (ca.key) is the signing CA's private key, kept so that every
	// replica can issue.
	CAKey []byte
	// Cert and Key (tls.crt, tls.key) are the serving certificate and key.
	Cert []byte
	Key  []byte
}

// Equal reports whether s and o hold the same bytes.
func (s State) Equal(o State) bool {
	return bytes.Equal(s.Bundle, o.Bundle) && bytes.Equal(s.CAKey, o.CAKey) &&
		bytes.Equal(s.Cert, o.Cert) && bytes.Equal(s.Key, o.Key)
}

// Policy says which certificates to issue and when to replace them.
type Policy struct {
	// Names are the SANs of the serving certificate.
	Names Names
	// Validity is the serving certificate's lifetime; it is renewed
	// RenewBefore its expiry.
	Validity    time.Duration
	RenewBefore time.Duration
	// CAValidity is the CA's lifetime; a new CA is created CARenewBefore
	// its expiry, and the old one stays in the bundle until it expires.
	CAValidity    time.Duration
	CARenewBefore time.Duration
	// TrustDelay is how long a new CA is in the bundle before it signs the
	// serving certificate: the time the bundle needs to reach every API
	// server, so that none meets a certificate it cannot verify yet.
	TrustDelay time.Duration
}

// Validate reports durations that cannot work together.
func (p Policy) Validate() error {
	var errs []error
	if len(p.Names.DNS)+len(p.Names.IPs) == 0 {
		errs = append(errs, errors.New("no DNS name or IP address for the serving certificate"))
	}
	if p.RenewBefore <= 0 || p.Validity <= p.RenewBefore {
		errs = append(errs, fmt.Errorf("renew-before %s must be positive and shorter than the validity %s", p.RenewBefore, p.Validity))
	}
	// A serving certificate never outlives its CA; if the CA were renewed
	// later than the serving certificate, one issued near the CA's end
	// would be due for renewal the moment it is issued.
	if p.CARenewBefore <= p.RenewBefore || p.CAValidity <= p.CARenewBefore {
		errs = append(errs, fmt.Errorf("CA renew-before %s must be longer than renew-before %s and shorter than the CA validity %s",
			p.CARenewBefore, p.RenewBefore, p.CAValidity))
	}
	if p.TrustDelay < 0 || p.TrustDelay >= p.RenewBefore {
		errs = append(errs, fmt.Errorf("trust delay %s must be at least zero and shorter than renew-before %s", p.TrustDelay, p.RenewBefore))
	}
	return errors.Join(errs...)
}

func (p Policy) renewAt(serving *KeyPair) time.Time {
	return serving.Cert.NotAfter.Add(-p.RenewBefore)
}

func (p Policy) caRenewAt(ca *KeyPair) time.Time {
	return ca.Cert.NotAfter.Add(-p.CARenewBefore)
}

// trustedAt is when a CA has been in the bundle for TrustDelay.
func (p Policy) trustedAt(ca *KeyPair) time.Time {
	return ca.Cert.NotBefore.Add(Backdate + p.TrustDelay)
}
