package yamledit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// ErrUnsupported means the file is valid YAML, but the value to change is
// written in a way that cannot be changed without touching other bytes.
var ErrUnsupported = errors.New("written in a form imagepin does not edit")

// Doc is a parsed YAML file with the edits made to it so far.
type Doc struct {
	src   []byte
	lines []int      // byte offset of the start of each line
	doc   *yaml.Node // the document node; nil for an empty file
	root  *yaml.Node
	edits []edit
}

// Parse reads src, which must hold at most one YAML document.
func Parse(src []byte) (*Doc, error) {
	d := &Doc{src: src, lines: lineStarts(src)}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	switch err := dec.Decode(&doc); {
	case errors.Is(err, io.EOF):
		return d, nil // empty, or only comments
	case err != nil:
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return nil, errors.New("holds more than one YAML document")
	}
	var data any
	if err := doc.Decode(&data); err != nil { // duplicate keys, bad merges
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	d.doc = &doc
	if len(doc.Content) == 1 {
		d.root = doc.Content[0]
	}
	return d, nil
}

// Root is the document's top node, nil for an empty document.
func (d *Doc) Root() *yaml.Node { return d.root }

// Node is the document node, for callers that re-encode the whole file;
// nil for an empty document.
func (d *Doc) Node() *yaml.Node { return d.doc }

// lineStarts finds line starts as YAML does: after \n, \r\n, a lone \r, and
// the Unicode breaks NEL, LS and PS.
func lineStarts(src []byte) []int {
	starts := []int{0}
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		switch {
		case r == '\r' && i+1 < len(src) && src[i+1] == '\n':
			size = 2
			starts = append(starts, i+size)
		case r == '\n' || r == '\r' || r == '\u0085' || r == '\u2028' || r == '\u2029':
			starts = append(starts, i+size)
		}
		i += size
	}
	return starts
}

// offset turns a node's line and column (1-based, in characters) into a
// byte offset of src.
func (d *Doc) offset(n *yaml.Node) (int, error) {
	if n.Line < 1 || n.Line > len(d.lines) {
		return 0, fmt.Errorf("line %d: %w", n.Line, ErrUnsupported)
	}
	off := d.lines[n.Line-1]
	if n.Line == 1 && bytes.HasPrefix(d.src, []byte("\ufeff")) {
		off += 3
	}
	for c := 1; c < n.Column; c++ {
		if off >= len(d.src) {
			return 0, fmt.Errorf("line %d column %d: %w", n.Line, n.Column, ErrUnsupported)
		}
		_, size := utf8.DecodeRune(d.src[off:])
		off += size
	}
	return off, nil
}

// lineOf returns the 1-based line that holds byte offset off.
func (d *Doc) lineOf(off int) int {
	lo, hi := 0, len(d.lines)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if d.lines[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo + 1
}

// lineEnd returns the offset of the line break that ends the line holding
// off, or len(src).
func (d *Doc) lineEnd(off int) int {
	line := d.lineOf(off)
	if line == len(d.lines) {
		return len(d.src)
	}
	end := d.lines[line]
	for end > d.lines[line-1] && (d.src[end-1] == '\n' || d.src[end-1] == '\r') {
		end--
	}
	if end > 0 {
		if r, size := utf8.DecodeLastRune(d.src[:end]); r == '\u0085' || r == '\u2028' || r == '\u2029' {
			end -= size
		}
	}
	return end
}

// newline is the line break the file uses.
func (d *Doc) newline() string {
	if i := bytes.IndexByte(d.src, '\n'); i > 0 && d.src[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}
