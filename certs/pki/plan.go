package pki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"fmt"
	"time"

	"k8s.io/client-go/util/keyutil"
)

// Reasons why a Decision changes the State.
const (
	ReasonCACreated           = "CACreated"           // no usable CA (first start, or a damaged Secret)
	ReasonCARotated           = "CARotated"           // the CA reached its renewal time
	ReasonServingCreated      = "ServingCreated"      // there was no serving certificate
	ReasonServingInvalid      = "ServingInvalid"      // it did not parse or did not match its key
	ReasonServingUntrusted    = "ServingUntrusted"    // no CA of the bundle verifies it (or it expired)
	ReasonServingNamesChanged = "ServingNamesChanged" // it lacks a name the Policy asks for
	ReasonServingRenewed      = "ServingRenewed"      // it reached its renewal time
	ReasonServingResigned     = "ServingResigned"     // a newer CA is trusted everywhere now
	ReasonBundleChanged       = "BundleChanged"       // an expired or unreadable CA left the bundle
)

// Decision is what Plan wants the Secret to hold.
type Decision struct {
	// State is the Secret's content from now on.
	State State
	// Reasons say why State differs from the current content; none when
	// it does not.
	Reasons []string
	// Next is when Plan must run again at the latest: the next renewal,
	// rotation, trust or expiry time.
	Next time.Time
	// CA is the signing CA and Serving the serving certificate of State.
	CA      *x509.Certificate
	Serving *x509.Certificate
}

// Changed reports whether the Secret must be written.
func (d Decision) Changed() bool { return len(d.Reasons) > 0 }

// Plan decides what the Secret should hold at now, given what it holds.
// It keeps whatever is still good, repairs what is damaged, and rotates in
// an order that never serves a certificate the API server cannot verify:
// a new CA enters the bundle first, signs the served certificate only after
// TrustDelay, and the old CA stays in the bundle until it expires.
func (p Policy) Plan(cur State, now time.Time) (Decision, error) {
	var d Decision
	trusted := ParseBundle(cur.Bundle, now)
	signer, reason := p.signer(trusted, cur.CAKey, now)
	if reason != "" {
		ca, err := NewCA(now, p.CAValidity)
		if err != nil {
			return Decision{}, fmt.Errorf("new CA: %w", err)
		}
		signer = ca
		d.Reasons = append(d.Reasons, reason)
	}
	trusted = withSigner(signer.Cert, trusted)
	serving, reason, next, err := p.serving(cur, signer, trusted, now)
	if err != nil {
		return Decision{}, fmt.Errorf("serving certificate: %w", err)
	}
	if reason != "" {
		d.Reasons = append(d.Reasons, reason)
	}
	d.State = State{Bundle: EncodeBundle(trusted...), CAKey: signer.KeyPEM, Cert: serving.CertPEM, Key: serving.KeyPEM}
	if !d.Changed() && !bytes.Equal(d.State.Bundle, cur.Bundle) {
		d.Reasons = append(d.Reasons, ReasonBundleChanged)
	}
	d.Next = earliest(next, p.caRenewAt(signer), firstExpiry(trusted[1:]))
	d.CA, d.Serving = signer.Cert, serving.Cert
	return d, nil
}

// signer finds the bundle's CA that keyPEM belongs to. It returns a reason
// to create a new CA when there is none, or when that CA is due.
func (p Policy) signer(trusted []*x509.Certificate, keyPEM []byte, now time.Time) (*KeyPair, string) {
	parsed, err := keyutil.ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		return nil, ReasonCACreated
	}
	key, ok := parsed.(crypto.Signer)
	if !ok {
		return nil, ReasonCACreated
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok {
		return nil, ReasonCACreated
	}
	for _, ca := range trusted {
		if !pub.Equal(ca.PublicKey) {
			continue
		}
		kp := &KeyPair{Cert: ca, Key: key, CertPEM: encodeCert(ca), KeyPEM: keyPEM}
		if !now.Before(p.caRenewAt(kp)) {
			return kp, ReasonCARotated
		}
		return kp, ""
	}
	return nil, ReasonCACreated
}

// serving keeps the current serving certificate or issues one, and says
// why and when to look again.
func (p Policy) serving(cur State, signer *KeyPair, trusted []*x509.Certificate, now time.Time) (*KeyPair, string, time.Time, error) {
	leaf, err := ParseKeyPair(cur.Cert, cur.Key)
	reason := p.unusable(cur, leaf, err, trusted, now)
	if reason == "" {
		foreign := leaf.Cert.CheckSignatureFrom(signer.Cert) != nil
		renewAt, trustedAt := p.renewAt(leaf), p.trustedAt(signer)
		switch {
		case now.Before(renewAt) && !foreign:
			return leaf, "", renewAt, nil
		case now.Before(trustedAt) && leaf.Cert.NotAfter.After(trustedAt):
			// Due, but the signer is too new to be trusted everywhere;
			// the current certificate is still good until then.
			return leaf, "", trustedAt, nil
		case foreign:
			reason = ReasonServingResigned
		default:
			reason = ReasonServingRenewed
		}
	}
	issued, err := NewServing(signer, p.Names, now, p.Validity)
	if err != nil {
		return nil, "", time.Time{}, err
	}
	return issued, reason, p.renewAt(issued), nil
}

// unusable says why the current serving certificate must be replaced at
// once, or "" when it can serve.
func (p Policy) unusable(cur State, leaf *KeyPair, parseErr error, trusted []*x509.Certificate, now time.Time) string {
	switch {
	case len(cur.Cert) == 0 && len(cur.Key) == 0:
		return ReasonServingCreated
	case parseErr != nil:
		return ReasonServingInvalid
	case !chainsTo(leaf.Cert, trusted, now):
		return ReasonServingUntrusted
	case !p.Names.CoveredBy(leaf.Cert):
		return ReasonServingNamesChanged
	}
	return ""
}

func firstExpiry(certs []*x509.Certificate) time.Time {
	var first time.Time
	for _, c := range certs {
		first = earliest(first, c.NotAfter)
	}
	return first
}

// earliest returns the earliest non-zero time.
func earliest(times ...time.Time) time.Time {
	var first time.Time
	for _, t := range times {
		if !t.IsZero() && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	return first
}
