package resolver

import (
	"errors"
	"fmt"
	"io"
)

// Caps of one tag listing, all pages together. A registry that pages
// forever, repeats itself or pads its answers stops at one of them instead
// of holding a scan until its deadline or filling memory. The largest public
// repositories list a few tens of thousands of tags; a tag is at most 128
// characters, so MaxListedTags tags fit in MaxTagListBytes.
const (
	// MaxListedTags is the most tags one listing may return.
	MaxListedTags = 100000
	// MaxTagListBytes is the most response-body bytes one listing may read.
	MaxTagListBytes = 16 << 20
	// MaxTagPages is the most pages one listing may fetch: MaxListedTags in
	// pages of 20, for registries that cap ?n= low.
	MaxTagPages = 5000
)

// ErrTagListTooLarge means a tag listing hit one of its caps. It comes
// wrapped in an *Error of kind ErrUnavailable.
var ErrTagListTooLarge = errors.New("tag list too large")

// tooLargeError says which cap a listing hit. It is ErrTagListTooLarge and
// errMalformed, which classifies it as ErrUnavailable.
type tooLargeError string

// Error implements error.
func (e tooLargeError) Error() string { return ErrTagListTooLarge.Error() + ": " + string(e) }

// Is makes errors.Is hold for ErrTagListTooLarge and errMalformed.
func (e tooLargeError) Is(target error) bool {
	return target == ErrTagListTooLarge || target == errMalformed
}

func tooLarge(format string, args ...any) error {
	return tooLargeError(fmt.Sprintf(format, args...))
}

// listBudget is what is left of a listing's byte cap.
type listBudget struct {
	bytes int64
}

// reader reads r, charging every byte to the budget, and fails with
// ErrTagListTooLarge once r holds more than the budget has left.
func (b *listBudget) reader(r io.Reader) io.Reader {
	return &budgetReader{r: r, budget: b}
}

type budgetReader struct {
	r      io.Reader
	budget *listBudget
}

// Read implements io.Reader. It reads one byte past the budget to tell a
// body that ends exactly at the cap from one that goes on.
func (br *budgetReader) Read(p []byte) (int, error) {
	if int64(len(p)) > br.budget.bytes+1 {
		p = p[:br.budget.bytes+1]
	}
	n, err := br.r.Read(p)
	if int64(n) > br.budget.bytes {
		br.budget.bytes = 0
		return 0, tooLarge("more than %d bytes", MaxTagListBytes)
	}
	br.budget.bytes -= int64(n)
	return n, err
}
