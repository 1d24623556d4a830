package pki

import (
	"crypto/x509"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func testPolicy() Policy {
	return Policy{
		Names:    ParseNames("imagepin-webhook.imagepin.svc", "127.0.0.1"),
		Validity: 10 * time.Hour, RenewBefore: 4 * time.Hour,
		CAValidity: 100 * time.Hour, CARenewBefore: 20 * time.Hour,
		TrustDelay: 5 * time.Minute,
	}
}

// plan runs p.Plan and fails the test on error.
func plan(t *testing.T, p Policy, cur State, now time.Time) Decision {
	t.Helper()
	d, err := p.Plan(cur, now)
	if err != nil {
		t.Fatalf("Plan at %s: %v", now, err)
	}
	return d
}

// fresh is the State Plan creates from nothing at t0.
func fresh(t *testing.T) State {
	return plan(t, testPolicy(), State{}, t0).State
}

func issued(t *testing.T, ca *KeyPair, names Names, now time.Time) *KeyPair {
	t.Helper()
	kp, err := NewServing(ca, names, now, 10*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

func newCA(t *testing.T, now time.Time, validity time.Duration) *KeyPair {
	t.Helper()
	ca, err := NewCA(now, validity)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func TestPlan(t *testing.T) {
	p := testPolicy()
	tests := map[string]struct {
		policy      func(Policy) Policy
		state       func(t *testing.T) State
		at          time.Duration // after t0
		wantReasons []string
		wantNext    time.Duration // after t0
		sameCA      bool          // the signing CA key is kept
		sameServing bool          // the serving certificate is kept
		bundleLen   int
	}{
		"empty Secret": {
			state: func(*testing.T) State { return State{} }, wantReasons: []string{ReasonCACreated, ReasonServingCreated},
			wantNext: 6 * time.Hour, bundleLen: 1,
		},
		"fresh state is kept": {
			state: fresh, at: time.Hour, wantNext: 6 * time.Hour, sameCA: true, sameServing: true, bundleLen: 1,
		},
		"serving due": {
			state: fresh, at: 6 * time.Hour, wantReasons: []string{ReasonServingRenewed},
			wantNext: 12 * time.Hour, sameCA: true, bundleLen: 1,
		},
		"serving expired": {
			state: fresh, at: 11 * time.Hour, wantReasons: []string{ReasonServingUntrusted},
			wantNext: 17 * time.Hour, sameCA: true, bundleLen: 1,
		},
		"serving certificate garbage": {
			state: func(t *testing.T) State { s := fresh(t); s.Cert = []byte("garbage"); return s },
			at:    time.Hour, wantReasons: []string{ReasonServingInvalid}, wantNext: 7 * time.Hour, sameCA: true, bundleLen: 1,
		},
		"serving key of another certificate": {
			state: func(t *testing.T) State { s := fresh(t); s.Key = fresh(t).Key; return s },
			at:    time.Hour, wantReasons: []string{ReasonServingInvalid}, wantNext: 7 * time.Hour, sameCA: true, bundleLen: 1,
		},
		"serving signed by a CA outside the bundle": {
			state: func(t *testing.T) State {
				s := fresh(t)
				kp := issued(t, newCA(t, t0, 100*time.Hour), testPolicy().Names, t0)
				s.Cert, s.Key = kp.CertPEM, kp.KeyPEM
				return s
			},
			at: time.Hour, wantReasons: []string{ReasonServingUntrusted}, wantNext: 7 * time.Hour, sameCA: true, bundleLen: 1,
		},
		"serving lacks a new name": {
			policy: func(p Policy) Policy {
				p.Names = ParseNames("imagepin-webhook.imagepin.svc", "127.0.0.1", "::1")
				return p
			},
			state: fresh, at: time.Hour, wantReasons: []string{ReasonServingNamesChanged}, wantNext: 7 * time.Hour, sameCA: true, bundleLen: 1,
		},
		"CA key garbage: new CA, old one kept, serving waits for trust": {
			state: func(t *testing.T) State { s := fresh(t); s.CAKey = []byte("garbage"); return s },
			at:    time.Hour, wantReasons: []string{ReasonCACreated}, wantNext: time.Hour + p.TrustDelay, sameServing: true, bundleLen: 2,
		},
		"CA bundle garbage: new CA, serving re-issued at once": {
			state: func(t *testing.T) State { s := fresh(t); s.Bundle = []byte("garbage"); return s },
			at:    time.Hour, wantReasons: []string{ReasonCACreated, ReasonServingUntrusted}, wantNext: 7 * time.Hour, bundleLen: 1,
		},
		"expired old CA leaves the bundle": {
			state: func(t *testing.T) State {
				s := fresh(t)
				s.Bundle = append(s.Bundle, EncodeBundle(newCA(t, t0, time.Hour).Cert)...)
				return s
			},
			at: 2 * time.Hour, wantReasons: []string{ReasonBundleChanged}, wantNext: 6 * time.Hour, sameCA: true, sameServing: true, bundleLen: 1,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pol := p
			if tc.policy != nil {
				pol = tc.policy(p)
			}
			cur := tc.state(t)
			d := plan(t, pol, cur, t0.Add(tc.at))
			if diff := cmp.Diff(tc.wantReasons, d.Reasons); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
			if got := d.Next.Sub(t0); got != tc.wantNext {
				t.Errorf("next = t0+%s, want t0+%s", got, tc.wantNext)
			}
			if got := string(d.State.CAKey) == string(cur.CAKey); got != tc.sameCA {
				t.Errorf("CA key kept = %v, want %v", got, tc.sameCA)
			}
			if got := string(d.State.Cert) == string(cur.Cert); got != tc.sameServing {
				t.Errorf("serving certificate kept = %v, want %v", got, tc.sameServing)
			}
			if got := len(ParseBundle(d.State.Bundle, t0.Add(tc.at))); got != tc.bundleLen {
				t.Errorf("bundle holds %d CAs, want %d", got, tc.bundleLen)
			}
			checkConsistent(t, pol, d, t0.Add(tc.at))
		})
	}
}

// checkConsistent verifies that a decision's State serves a certificate for
// the policy's names that its own bundle trusts, signed by the CA of
// CAKey when that CA is trusted long enough.
func checkConsistent(t *testing.T, p Policy, d Decision, now time.Time) {
	t.Helper()
	leaf, err := ParseKeyPair(d.State.Cert, d.State.Key)
	if err != nil {
		t.Fatalf("decided serving pair: %v", err)
	}
	bundle := ParseBundle(d.State.Bundle, now)
	if !chainsTo(leaf.Cert, bundle, now) {
		t.Errorf("serving certificate not verified by the decided bundle")
	}
	if !p.Names.CoveredBy(leaf.Cert) {
		t.Errorf("serving certificate names %v %v, want %v", leaf.Cert.DNSNames, leaf.Cert.IPAddresses, p.Names)
	}
	if !bundle[0].Equal(d.CA) {
		t.Errorf("bundle does not start with the signing CA")
	}
	if !leaf.Cert.Equal(d.Serving) {
		t.Errorf("Decision.Serving is not the decided serving certificate")
	}
}

func TestPlanDeterministicNoChurn(t *testing.T) {
	p := testPolicy()
	s := fresh(t)
	for _, at := range []time.Duration{0, time.Minute, time.Hour, 5 * time.Hour} {
		if d := plan(t, p, s, t0.Add(at)); d.Changed() || !d.State.Equal(s) {
			t.Errorf("at t0+%s: changed %v, want the state kept", at, d.Reasons)
		}
	}
}

// bundleAt returns the CAs of the last bundle published at or before at.
type published struct {
	at     time.Time
	bundle []byte
}

func bundleAt(history []published, at time.Time) []*x509.Certificate {
	var b []byte
	for _, h := range history {
		if !h.at.After(at) {
			b = h.bundle
		}
	}
	return ParseBundle(b, at)
}
