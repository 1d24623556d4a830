package scanner

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/selection"
)

// record builds the status value of an image the webhook pins Pods to. image
// is the repository as the policy spells it; tag may be empty (a digest pin).
func record(image, tag, digest string, source v1alpha1.Source, since metav1.Time) v1alpha1.ImageRecord {
	ref := image
	if tag != "" {
		ref += ":" + tag
	}
	return v1alpha1.ImageRecord{Image: ref + "@" + digest, Tag: tag, Digest: digest, Source: source, Since: since}
}

// sameImage reports whether two records pin the same thing.
func sameImage(a, b v1alpha1.ImageRecord) bool {
	return a.Image == b.Image && a.Source == b.Source
}

// olderThanCurrent reports whether candidate, a scan's choice, would move
// current backwards on a scan alone. That is refused while the spec is the
// one current was chosen under (edited specs may move anywhere: rollback).
// Tags the strategy cannot compare are not judged older.
func olderThanCurrent(p *v1alpha1.ImagePolicy, sel *selection.Selector, candidate string) (bool, string) {
	cur := p.Status.Current
	if cur == nil || cur.Source != v1alpha1.SourceScan || p.Generation != p.Status.ObservedGeneration {
		return false, ""
	}
	c, err := sel.Compare(candidate, cur.Tag)
	if err != nil || c >= 0 {
		return false, ""
	}
	return true, fmt.Sprintf("the latest allowed tag %s is older than current %s (was a tag deleted?); current is kept until the policy is edited", candidate, cur.Tag)
}

// setCurrent makes next the current value and records it in the history,
// newest first. It reports whether current changed.
func setCurrent(st *v1alpha1.ImagePolicyStatus, next v1alpha1.ImageRecord) bool {
	if st.Current != nil && sameImage(st.Current.ImageRecord, next) {
		return false
	}
	st.Current = &v1alpha1.CurrentImage{ImageRecord: next, ShortDigest: shortDigest(next.Digest)}
	st.History = append([]v1alpha1.ImageRecord{next}, st.History...)
	if len(st.History) > v1alpha1.HistoryLimit {
		st.History = st.History[:v1alpha1.HistoryLimit]
	}
	return true
}

// setLatest records a scan's choice, keeping foundAt while it stays the same.
func setLatest(st *v1alpha1.ImagePolicyStatus, tag, digest string, now metav1.Time) {
	if st.Latest != nil && st.Latest.Tag == tag && st.Latest.Digest == digest {
		return
	}
	st.Latest = &v1alpha1.LatestImage{Tag: tag, Digest: digest, FoundAt: now}
}

// shortDigest is the first 12 hex digits, as container tools print them.
func shortDigest(digest string) string {
	hex := digest[strings.IndexByte(digest, ':')+1:]
	if len(hex) > 12 {
		hex = hex[:12]
	}
	return hex
}
