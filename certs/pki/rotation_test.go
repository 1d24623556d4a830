package pki

import (
	"testing"
	"time"
)

// TestRotationNeverServesUntrusted walks 2.5 CA lifetimes, planning at every
// time Plan asks for (and at least hourly), and checks at every step the
// three facts that keep admissions from failing while certificates rotate:
//
//   - replicas still serving the previous certificate are trusted by the
//     new bundle (the old CA stays during the overlap);
//   - a newly served certificate is trusted by the bundle of TrustDelay ago,
//     which every API server has by now;
//   - the CA and the serving certificate really rotate, and nothing churns.
func TestRotationNeverServesUntrusted(t *testing.T) {
	p := testPolicy()
	now := t0
	d := plan(t, p, State{}, now)
	history := []published{{now, d.State.Bundle}}
	cas, servings, writes := map[string]bool{}, map[string]bool{}, 0
	for end := t0.Add(250 * time.Hour); now.Before(end); {
		next := earliest(d.Next, now.Add(time.Hour))
		if !next.After(now) {
			t.Fatalf("at %s: next check %s is not in the future", now, d.Next)
		}
		now = next
		prev := d.State
		d = plan(t, p, prev, now)
		checkConsistent(t, p, d, now)
		cas[string(d.CA.Raw)], servings[string(d.Serving.Raw)] = true, true
		if !d.Changed() {
			continue
		}
		writes++
		history = append(history, published{now, d.State.Bundle})
		bundle := ParseBundle(d.State.Bundle, now)
		if old, err := ParseKeyPair(prev.Cert, prev.Key); err == nil && chainsTo(old.Cert, ParseBundle(prev.Bundle, now), now) &&
			!chainsTo(old.Cert, bundle, now) {
			t.Errorf("at t0+%s (%v): the new bundle drops the CA of the certificate served until now", now.Sub(t0), d.Reasons)
		}
		if string(d.State.Cert) != string(prev.Cert) && !chainsTo(d.Serving, bundleAt(history, now.Add(-p.TrustDelay)), now) {
			t.Errorf("at t0+%s (%v): new serving certificate not trusted by the bundle of %s ago", now.Sub(t0), d.Reasons, p.TrustDelay)
		}
	}
	if len(cas) < 3 {
		t.Errorf("%d CAs in 250h with a 100h CA validity, want at least 3", len(cas))
	}
	if len(servings) < 30 {
		t.Errorf("%d serving certificates in 250h, want at least 30 (renewed every 6h)", len(servings))
	}
	if writes > 2*len(servings)+len(cas) {
		t.Errorf("%d writes for %d serving certificates and %d CAs: churn", writes, len(servings), len(cas))
	}
}
