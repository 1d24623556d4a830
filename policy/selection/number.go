package selection

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// number is a decimal read exactly, as digit strings: 20-digit timestamps
// would lose their last digits in a float64, and math/big would allocate per
// tag. Zero has an empty int and frac and is never negative.
type number struct {
	neg  bool
	int  string // no leading zeros
	frac string // no trailing zeros
}

// newNumerical orders values matching ^-?[0-9]+(\.[0-9]+)?$ by value.
func newNumerical(o v1alpha1.Order) (strategy, error) {
	s, err := sign(o)
	if err != nil {
		return nil, fmt.Errorf("select.numerical: %w", err)
	}
	return &ranker[number]{
		name:       fmt.Sprintf("numerical order %s", orderName(o)),
		counts:     "readable as numbers",
		unreadable: `is not a number (^-?[0-9]+(\.[0-9]+)?$)`,
		read:       parseNumber,
		cmp:        compareNumbers,
		sign:       s,
	}, nil
}

func parseNumber(s string) (number, bool) {
	var n number
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		n.neg, s = true, rest
	}
	whole, frac, dot := strings.Cut(s, ".")
	if !digits(whole) || dot && !digits(frac) {
		return number{}, false
	}
	n.int = strings.TrimLeft(whole, "0")
	n.frac = strings.TrimRight(frac, "0")
	if n.int == "" && n.frac == "" {
		n.neg = false // -0 is 0
	}
	return n, true
}

// digits reports whether s is one or more ASCII digits.
func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func compareNumbers(a, b number) int {
	if a.neg != b.neg {
		if a.neg {
			return -1
		}
		return 1
	}
	c := compareMagnitudes(a, b)
	if a.neg {
		return -c
	}
	return c
}

// compareMagnitudes compares |a| and |b|: without leading zeros the longer
// integer part is greater, and equal-length digit strings and fractions
// without trailing zeros order like their values.
func compareMagnitudes(a, b number) int {
	if c := cmp.Compare(len(a.int), len(b.int)); c != 0 {
		return c
	}
	if c := strings.Compare(a.int, b.int); c != 0 {
		return c
	}
	return strings.Compare(a.frac, b.frac)
}
