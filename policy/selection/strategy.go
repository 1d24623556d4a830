package selection

import (
	"fmt"
	"strings"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// strategy is one spec.select strategy: it reads compared values and orders
// them. Everything strategy-specific lives in a ranker's functions.
type strategy interface {
	// latest returns the winning tag of tags (false when none qualifies)
	// and how many tags reached each stage.
	latest(tags []string, f *filter) (string, bool, tally)
	// compare orders two compared values, newer > 0.
	compare(a, b string) (int, error)
	// describe names the strategy for errors.
	describe() string
	// readableAs says what tally.readable counts, for NoMatchError.
	readableAs() string
}

// ranker implements strategy for values read into keys of type K.
type ranker[K any] struct {
	name       string                 // for errors: `semver range ">=1.0.0"`
	counts     string                 // what readable counts: "readable as numbers"
	unreadable string                 // why a value was skipped: "is not a number"
	read       func(string) (K, bool) // false skips the value
	allow      func(K) bool           // nil allows every readable value
	cmp        func(a, b K) int       // ascending order of keys
	sign       int                    // 1 for asc (greatest wins), -1 for desc
}

// latest keeps the best allowed candidate in one pass. On equal keys the
// byte-wise greatest original tag wins, so the result depends neither on the
// order of tags nor on asc/desc. allow runs only for a candidate that would
// beat the best so far: range checks are the expensive part of semver.
func (r *ranker[K]) latest(tags []string, f *filter) (string, bool, tally) {
	t := tally{listed: len(tags)}
	var best K
	bestTag, found := "", false
	for _, tag := range tags {
		v, ok := f.value(tag)
		if !ok {
			continue
		}
		t.pass(tag)
		k, ok := r.read(v)
		if !ok {
			continue
		}
		t.read(tag)
		if found {
			if c := r.sign * r.cmp(k, best); c < 0 || c == 0 && tag <= bestTag {
				continue
			}
		}
		if r.allow != nil && !r.allow(k) {
			continue
		}
		best, bestTag, found = k, tag, true
	}
	return bestTag, found, t
}

func (r *ranker[K]) compare(a, b string) (int, error) {
	ka, ok := r.read(a)
	if !ok {
		return 0, fmt.Errorf("%q %s: %w", a, r.unreadable, ErrUnreadable)
	}
	kb, ok := r.read(b)
	if !ok {
		return 0, fmt.Errorf("%q %s: %w", b, r.unreadable, ErrUnreadable)
	}
	return r.sign * r.cmp(ka, kb), nil
}

func (r *ranker[K]) describe() string   { return r.name }
func (r *ranker[K]) readableAs() string { return r.counts }

// newStrategy turns spec.select into a strategy; exactly one field is set.
func newStrategy(sel v1alpha1.TagSelection) (strategy, error) {
	switch n := countSet(sel); {
	case n != 1:
		return nil, fmt.Errorf("select: set exactly one of semver, alphabetical, numerical or tag, not %d", n)
	case sel.SemVer != nil:
		return newSemver(sel.SemVer.Range)
	case sel.Alphabetical != nil:
		return newAlphabetical(sel.Alphabetical.Order)
	case sel.Numerical != nil:
		return newNumerical(sel.Numerical.Order)
	default:
		return newTag(sel.Tag.Name)
	}
}

func countSet(sel v1alpha1.TagSelection) int {
	n := 0
	for _, set := range []bool{sel.SemVer != nil, sel.Alphabetical != nil, sel.Numerical != nil, sel.Tag != nil} {
		if set {
			n++
		}
	}
	return n
}

// sign maps an order to the ranker's sign: asc (the default) lets the
// greatest value win, desc the smallest.
func sign(o v1alpha1.Order) (int, error) {
	switch o {
	case "", v1alpha1.OrderAsc:
		return 1, nil
	case v1alpha1.OrderDesc:
		return -1, nil
	default:
		return 0, fmt.Errorf("order %q: must be %s or %s", o, v1alpha1.OrderAsc, v1alpha1.OrderDesc)
	}
}

func orderName(o v1alpha1.Order) v1alpha1.Order {
	if o == "" {
		return v1alpha1.OrderAsc
	}
	return o
}

// newAlphabetical orders values byte-wise. An empty value (an optional
// group that did not match) says nothing and is skipped.
func newAlphabetical(o v1alpha1.Order) (strategy, error) {
	s, err := sign(o)
	if err != nil {
		return nil, fmt.Errorf("select.alphabetical: %w", err)
	}
	return &ranker[string]{
		name:       fmt.Sprintf("alphabetical order %s", orderName(o)),
		counts:     "with a non-empty value",
		unreadable: "is empty",
		read:       func(v string) (string, bool) { return v, v != "" },
		cmp:        strings.Compare,
		sign:       s,
	}, nil
}

// newTag follows one tag: the only readable value is its name, and there is
// nothing to order.
func newTag(name string) (strategy, error) {
	if name == "" {
		return nil, fmt.Errorf("select.tag.name: must not be empty")
	}
	return &ranker[struct{}]{
		name:       fmt.Sprintf("tag %q", name),
		counts:     fmt.Sprintf("named %q", name),
		unreadable: fmt.Sprintf("is not the followed tag %q", name),
		read:       func(v string) (struct{}, bool) { return struct{}{}, v == name },
		cmp:        func(struct{}, struct{}) int { return 0 },
		sign:       1,
	}, nil
}
