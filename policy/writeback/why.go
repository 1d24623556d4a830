package writeback

import (
	"fmt"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/selection"
)

// Why a policy's current image changed, as commit messages say it.
const (
	// WhyScan: a scan found a newer allowed image (or the first one).
	WhyScan = "scan"
	// WhyRollback: spec.pin holds the image.
	WhyRollback = "rollback"
	// WhyPolicyEdit: an edit of the policy moved current, for example
	// removing spec.pin or narrowing spec.select to older tags.
	WhyPolicyEdit = "policy edit"
)

// why tells why p's current image is what it is, from its source and
// history, and a sentence that says so.
func why(p *v1alpha1.ImagePolicy) (string, string) {
	cur := p.Status.Current
	prev := previous(p)
	switch {
	case cur.Source == v1alpha1.SourcePin:
		return WhyRollback, "rollback: spec.pin holds " + pinned(p)
	case prev == nil:
		return WhyScan, "scan: first image chosen by a scan"
	case prev.Source == v1alpha1.SourcePin:
		return WhyPolicyEdit, "policy edit: spec.pin was removed; a scan chose the latest allowed tag"
	case older(p, cur.Tag, prev.Tag):
		return WhyPolicyEdit, fmt.Sprintf("policy edit: spec.select no longer allows %s; a scan chose the older %s", prev.Tag, cur.Tag)
	case cur.Tag == prev.Tag:
		return WhyScan, fmt.Sprintf("scan: tag %s now points at a new digest", cur.Tag)
	}
	return WhyScan, "scan: newer allowed tag " + cur.Tag
}

// previous is the value current had before, from the history (newest
// first, starting with current itself).
func previous(p *v1alpha1.ImagePolicy) *v1alpha1.ImageRecord {
	h := p.Status.History
	if len(h) < 2 || h[0].Image != p.Status.Current.Image {
		return nil
	}
	return &h[1]
}

func pinned(p *v1alpha1.ImagePolicy) string {
	switch pin := p.Spec.Pin; {
	case pin == nil:
		return p.Status.Current.Image
	case pin.Tag != "":
		return "tag " + pin.Tag
	default:
		return "digest " + pin.Digest
	}
}

// older reports whether tag a is older than b under p's selection: a scan
// alone never moves current backwards, so that took an edit of the policy.
func older(p *v1alpha1.ImagePolicy, a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	sel, err := selection.New(p.Spec.Select, p.Spec.FilterTags)
	if err != nil {
		return false
	}
	c, err := sel.Compare(a, b)
	return err == nil && c < 0
}
