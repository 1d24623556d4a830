package scanner

import (
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/selection"
)

// disallowed says why p's current is outside what its spec allows now, or
// returns "" when it is allowed (or unset). An edit can leave current
// outside the spec — a narrowed range, a new pin, another repository — and
// current moves only when a scan or the pin resolves; until then the Ready
// condition must say so instead of claiming that Pods get what the spec asks.
func disallowed(p *v1alpha1.ImagePolicy) string {
	cur := p.Status.Current
	if cur == nil {
		return ""
	}
	if !sameRepository(cur.Image, p.Spec.Image) {
		return fmt.Sprintf("it is not an image of %s", p.Spec.Image)
	}
	if pin := p.Spec.Pin; pin != nil {
		if cur.Source != v1alpha1.SourcePin || (pin.Tag != "" && cur.Tag != pin.Tag) || (pin.Digest != "" && cur.Digest != pin.Digest) {
			return "spec.pin asks for " + pinString(pin)
		}
		return ""
	}
	sel, err := selection.New(p.Spec.Select, p.Spec.FilterTags)
	if err != nil {
		return "" // an invalid spec is Stalled before this is asked
	}
	if cur.Tag == "" {
		return "it is a pinned digest and spec.pin is gone"
	}
	if _, err := sel.Latest([]string{cur.Tag}); err != nil {
		return fmt.Sprintf("tag %s is not allowed by spec.select and spec.filterTags", cur.Tag)
	}
	return ""
}

// sameRepository reports whether image (repo:tag@digest, as current
// records it) is of repository repo, after normalisation.
func sameRepository(image, repo string) bool {
	ref, err := name.ParseReference(image)
	if err != nil {
		return false
	}
	want, err := name.NewRepository(repo)
	return err == nil && ref.Context().Name() == want.Name()
}

func pinString(pin *v1alpha1.Pin) string {
	if pin.Digest != "" {
		return "digest " + pin.Digest
	}
	return "tag " + pin.Tag
}
