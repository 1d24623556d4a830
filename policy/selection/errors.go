package selection

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

var (
	// ErrFilteredOut is wrapped by Compare's error when a tag does not match
	// filterTags.pattern or matches one of filterTags.exclude.
	ErrFilteredOut = errors.New("filtered out")

	// ErrUnreadable is wrapped by Compare's error when the strategy cannot
	// read a tag (or its extracted value): not a semantic version, not a
	// number, or not the followed tag.
	ErrUnreadable = errors.New("not readable by the selection strategy")
)

// maxSamples bounds the tags a NoMatchError quotes, so a 50k-tag repository
// does not produce a 50k-tag message.
const maxSamples = 5

// NoMatchError is returned by Latest when no tag qualifies. It says what was
// considered so that a user can tell a wrong range from a wrong pattern.
type NoMatchError struct {
	// Strategy describes the selection, for example `semver range ">=6.0.0 <7.0.0"`.
	Strategy string
	// Filter describes filterTags, or is empty when there is none.
	Filter string
	// Listed is the number of tags the registry listed.
	Listed int
	// Passed is the number of tags that matched pattern and no exclude.
	Passed int
	// Readable is the number of passed tags the strategy could read
	// (semantic versions, numbers, ...); for semver none of them was in range.
	Readable int
	// Samples are a few of the tags from the narrowest non-empty stage above.
	Samples []string

	readableAs string // what Readable counts, for the message
}

// Error names the strategy, the filter and the count at each stage.
func (e *NoMatchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "no tag matches %s", e.Strategy)
	if e.Filter != "" {
		fmt.Fprintf(&b, " with %s", e.Filter)
	}
	fmt.Fprintf(&b, ": %s listed", plural(e.Listed, "tag"))
	if e.Listed == 0 {
		return b.String()
	}
	if e.Filter != "" {
		fmt.Fprintf(&b, ", %d passed the filter", e.Passed)
	}
	fmt.Fprintf(&b, ", %d %s", e.Readable, e.readableAs)
	if len(e.Samples) > 0 {
		quoted := make([]string, len(e.Samples))
		for i, s := range e.Samples {
			quoted[i] = strconv.Quote(s)
		}
		fmt.Fprintf(&b, " (for example %s)", strings.Join(quoted, ", "))
	}
	return b.String()
}

// tally counts the tags that reach each stage of Latest. It keeps a few
// samples in fixed arrays so that the successful path does not allocate.
type tally struct {
	listed, passed, readable int
	passedSample             [maxSamples]string
	readableSample           [maxSamples]string
}

func (t *tally) pass(tag string) {
	if t.passed < maxSamples {
		t.passedSample[t.passed] = tag
	}
	t.passed++
}

func (t *tally) read(tag string) {
	if t.readable < maxSamples {
		t.readableSample[t.readable] = tag
	}
	t.readable++
}

// samples returns tags of the narrowest stage that any tag reached.
func (t *tally) samples(tags []string) []string {
	switch {
	case t.readable > 0:
		return append([]string(nil), t.readableSample[:min(t.readable, maxSamples)]...)
	case t.passed > 0:
		return append([]string(nil), t.passedSample[:min(t.passed, maxSamples)]...)
	default:
		return append([]string(nil), tags[:min(len(tags), maxSamples)]...)
	}
}

// plural formats n and noun, adding an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
