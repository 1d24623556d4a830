package marker

import (
	"bytes"
	"strings"
)

// Lookup returns the image of a policy. Markers of policies it does not
// know (false) are left as they are and not reported.
type Lookup func(Policy) (Image, bool)

// Match is one marker of a known policy found in a file.
type Match struct {
	// Line is the 1-based line number.
	Line int
	// Marker is the parsed marker.
	Marker Marker
	// Old is the scalar's value before, unquoted.
	Old string
	// New is the value written; empty when Skipped.
	New string
	// Changed is true when the line was rewritten.
	Changed bool
	// Skipped says why the line was left as it is, when it could not be
	// rewritten (no scalar on the line, a tag marker for a digest pin, …).
	Skipped string
}

// Rewrite sets the scalar of every marker line of a known policy in src.
// It returns the new content, src itself when nothing changed, and the
// markers found. Lines without such a marker are kept byte for byte, as are
// line endings (LF or CRLF) and the rest of a marker's line.
func Rewrite(src []byte, lookup Lookup) ([]byte, []Match) {
	if !bytes.Contains(src, []byte(`"$image`)) {
		return src, nil
	}
	var (
		out     []byte // nil until the first change
		matches []Match
		block   = -1 // parent column of the block scalar being skipped
		pos     int
	)
	for n := 1; pos < len(src); {
		end, next := lineEnd(src, pos)
		text := string(src[pos:end])
		newText, m, ok := rewriteLine(text, n, lookup, &block)
		if ok {
			matches = append(matches, m)
		}
		if m.Changed {
			if out == nil {
				out = append(make([]byte, 0, len(src)+64), src[:pos]...)
			}
			out = append(out, newText...)
			out = append(out, src[end:next]...)
		} else if out != nil {
			out = append(out, src[pos:next]...)
		}
		if src[next-1] == '\n' {
			n++
		}
		pos = next
	}
	if out == nil {
		return src, matches
	}
	return out, matches
}

// lineEnd returns the end of the line that starts at pos and the start of
// the next one. YAML ends a line at LF, CRLF or a lone CR: a marker after
// a lone CR is on a line of its own, whatever the line number says (line
// numbers count LFs, as Git does).
func lineEnd(src []byte, pos int) (end, next int) {
	i := bytes.IndexAny(src[pos:], "\r\n")
	if i < 0 {
		return len(src), len(src)
	}
	end = pos + i
	if src[end] == '\r' && end+1 < len(src) && src[end+1] == '\n' {
		return end, end + 2
	}
	return end, end + 1
}

// rewriteLine rewrites one line. block tracks block scalars, whose content
// lines are text, not YAML: a marker there is not a comment.
func rewriteLine(text string, n int, lookup Lookup, block *int) (string, Match, bool) {
	col, blank := indent(text)
	if *block >= 0 && (blank || col > *block) {
		return text, Match{}, false
	}
	*block = -1
	if strings.HasPrefix(text, "---") || strings.HasPrefix(text, "...") {
		return text, Match{}, false
	}
	l := splitLine(text)
	if l.kind == kindBlock {
		*block = l.parent
	}
	if !strings.Contains(text, `"$image`) {
		return text, Match{}, false
	}
	mk, img, ok := known(l, text, lookup)
	if !ok {
		return text, Match{}, false
	}
	m := Match{Line: n, Marker: mk}
	if m.Skipped = unwritable(l); m.Skipped != "" {
		return text, m, true
	}
	return apply(text, l, img, m)
}

// apply writes the marker's value into the line's scalar.
func apply(text string, l line, img Image, m Match) (string, Match, bool) {
	old := text[l.start:l.end]
	m.Old = unquote(old, l.style)
	v, err := img.value(m.Marker.Field)
	if err != nil {
		m.Skipped = err.Error()
		return text, m, true
	}
	m.New = v
	if m.Old == v {
		return text, m, true
	}
	m.Changed = true
	return text[:l.start] + quote(v, l.style) + text[l.end:], m, true
}

// known finds the marker of a line and the image of its policy. A marker
// that did not end up in the line's comment (after a value splitLine cannot
// read) is still found, so that it can be reported as skipped.
func known(l line, text string, lookup Lookup) (Marker, Image, bool) {
	comment := l.comment
	if l.kind != kindScalar || !l.hasComment {
		hash := strings.LastIndexByte(text, '#')
		if hash < 0 {
			return Marker{}, Image{}, false
		}
		comment = text[hash+1:]
	}
	mk, ok := Parse(comment)
	if !ok {
		return Marker{}, Image{}, false
	}
	img, ok := lookup(mk.Policy)
	return mk, img, ok
}

// unwritable says why a marker's line cannot be rewritten, or "".
func unwritable(l line) string {
	switch {
	case l.kind == kindNone:
		return "the marker's line has no value: write the value on the marker's line"
	case l.kind != kindScalar:
		return "the marker's line holds no plain or quoted scalar (a flow collection, anchor, tag or block scalar)"
	case !l.hasComment:
		return "the marker is not a YAML comment: put a space before '#'"
	}
	return ""
}
