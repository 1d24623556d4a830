package scanner

import (
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// EveryScan as Options.StatusRefresh writes the status after every scan.
const EveryScan time.Duration = -1

// A scan that changes nothing but the time of the last and next scan does
// not write the status. In a fleet of thousands of policies nearly every
// scan is such a scan, and each write costs the API server an etcd write
// and every watcher of ImagePolicies (each webhook replica) an event. The
// times are written along with any other change, and at least once per
// refresh interval (see refreshDue), so that status.lastScan tells that
// the scanner is alive; imagepin_scans_total counts every scan.

// needsWrite reports whether the status after a scan must be written:
// something changed, or the last scan recorded is older than key's refresh
// interval.
func (r *Reconciler) needsWrite(key types.NamespacedName, before, after *v1alpha1.ImagePolicyStatus, now time.Time) bool {
	if r.opts.StatusRefresh < 0 || statusChanged(before, after) {
		return true
	}
	return refreshDue(before.LastScan, key, r.opts.StatusRefresh, now)
}

// statusChanged reports whether two statuses differ in more than the
// record of the last scan (its time, duration, requests and tag count) and
// the time of the next one. Gaining or losing either still counts.
func statusChanged(a, b *v1alpha1.ImagePolicyStatus) bool {
	x, y := *a, *b
	x.LastScan, y.LastScan = presence(a.LastScan), presence(b.LastScan)
	x.NextScanAt, y.NextScanAt = presence(a.NextScanAt), presence(b.NextScanAt)
	return !equality.Semantic.DeepEqual(x, y)
}

// presence is an empty value when p is set, so that comparing two of them
// compares only whether each is set.
func presence[T any](p *T) *T {
	if p == nil {
		return nil
	}
	return new(T)
}

// refreshDue reports whether last is older than key's refresh interval, a
// point between half and all of refresh fixed per policy: policies scanned
// in one cycle then refresh their status over half an interval, not in one
// later cycle all at once.
func refreshDue(last *v1alpha1.ScanRecord, key types.NamespacedName, refresh time.Duration, now time.Time) bool {
	if last == nil {
		return true
	}
	return now.Sub(last.Time.Time) >= refresh/2+offset(key.String(), refresh-refresh/2)
}
