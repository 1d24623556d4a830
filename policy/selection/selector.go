package selection

import (
	"fmt"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// Selector picks the latest allowed tag for one ImagePolicy's spec.select
// and spec.filterTags. It is immutable and safe for concurrent use.
type Selector struct {
	filter   filter
	strategy strategy
}

// New builds the Selector of sel and filter (nil for no filterTags). It is
// the single place where API types become behaviour: it parses the semver
// range and compiles the regular expressions once, and it rejects what the
// API server may not have caught (no or several strategies, an unknown
// order, an extract template naming a group that pattern lacks).
//
// The tag strategy compares the tag itself: pattern and exclude still apply,
// extract is checked but has nothing to rewrite.
func New(sel v1alpha1.TagSelection, filter *v1alpha1.TagFilter) (*Selector, error) {
	st, err := newStrategy(sel)
	if err != nil {
		return nil, err
	}
	f, err := newFilter(filter, sel.Tag == nil)
	if err != nil {
		return nil, err
	}
	return &Selector{filter: f, strategy: st}, nil
}

// Latest returns the latest allowed tag of tags: the original tag, even when
// filterTags.extract made the compared value something else. Tags that the
// filter drops or the strategy cannot read are skipped. When the strategy
// ranks several tags equal (1.2.3, v1.2.3 and 1.2.3+build.5; 10 and 010),
// the byte-wise greatest tag wins, whatever the order of tags and whether
// the order is asc or desc. When no tag qualifies, including for an empty
// list, the error is a *NoMatchError.
func (s *Selector) Latest(tags []string) (string, error) {
	tag, ok, t := s.strategy.latest(tags, &s.filter)
	if ok {
		return tag, nil
	}
	return "", &NoMatchError{
		Strategy:   s.strategy.describe(),
		Filter:     s.filter.String(),
		Listed:     t.listed,
		Passed:     t.passed,
		Readable:   t.readable,
		Samples:    t.samples(tags),
		readableAs: s.strategy.readableAs(),
	}
}

// Compare orders tags a and b under the policy: negative when a is older
// than b, zero when the strategy ranks them equal, positive when a is newer.
// Under desc the smaller value is the newer one; under tag both must be the
// followed tag and compare equal. Compare ignores the semver range and the
// tie-break of Latest: it orders versions, it does not allow them. The
// error wraps ErrFilteredOut or ErrUnreadable when a tag is not a candidate.
func (s *Selector) Compare(a, b string) (int, error) {
	va, ok := s.filter.value(a)
	if !ok {
		return 0, fmt.Errorf("compare %q with %q: %w", a, b, s.filter.why(a))
	}
	vb, ok := s.filter.value(b)
	if !ok {
		return 0, fmt.Errorf("compare %q with %q: %w", a, b, s.filter.why(b))
	}
	c, err := s.strategy.compare(va, vb)
	if err != nil {
		return 0, fmt.Errorf("compare %q with %q: %w", a, b, err)
	}
	return c, nil
}
