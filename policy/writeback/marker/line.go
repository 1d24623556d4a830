package marker

import "strings"

// valueKind says what follows a line's key or sequence dash.
type valueKind int

const (
	kindNone   valueKind = iota // no value on this line
	kindScalar                  // a plain or quoted scalar that ends on this line
	kindBlock                   // a block scalar header (| or >): content follows
	kindOther                   // anything else: flow collection, anchor, tag, open quote
)

// line is one YAML line split around its value.
type line struct {
	kind       valueKind
	start, end int    // the scalar's bytes, quotes included
	style      byte   // 0 (plain), '"' or '\''
	comment    string // the text after '#', when the line has a comment
	hasComment bool
	parent     int // column of the value's parent node, for block scalars
}

// splitLine finds the value and the comment of one line (without its end
// of line). It understands the forms marker lines take: "key: value",
// "- value", "- key: value", quoted keys and values, and a trailing comment.
func splitLine(s string) line {
	i := skipSpaces(s, 0)
	l := line{parent: i}
	for i < len(s) && s[i] == '-' && (i+1 == len(s) || isSpace(s[i+1])) {
		l.parent = i
		i = skipSpaces(s, i+1)
	}
	if j, ok := keyEnd(s, i); ok {
		l.parent = i
		i = skipSpaces(s, j)
	}
	l.start = i
	l.kind, l.end, l.style = scanValue(s, i)
	if l.kind == kindOther {
		return l
	}
	if c := skipSpaces(s, l.end); c < len(s) && s[c] == '#' && (c > l.end || c == 0 || isSpace(s[c-1])) {
		l.comment, l.hasComment = s[c+1:], true
	}
	return l
}

// keyEnd reports whether a mapping key starts at i, and returns the index
// after its colon.
func keyEnd(s string, i int) (int, bool) {
	if i >= len(s) {
		return 0, false
	}
	if s[i] == '"' || s[i] == '\'' {
		q, ok := quotedEnd(s, i)
		if !ok {
			return 0, false
		}
		q = skipSpaces(s, q)
		return q + 1, q < len(s) && s[q] == ':' && (q+1 == len(s) || isSpace(s[q+1]))
	}
	if strings.IndexByte("#{[&*!|>%@`?", s[i]) >= 0 {
		return 0, false
	}
	for j := i; j < len(s); j++ {
		switch {
		case s[j] == ':' && (j+1 == len(s) || isSpace(s[j+1])):
			return j + 1, true
		case isSpace(s[j]) && j+1 < len(s) && s[j+1] == '#':
			return 0, false
		}
	}
	return 0, false
}

// scanValue classifies the value starting at i and returns where it ends.
func scanValue(s string, i int) (valueKind, int, byte) {
	switch {
	case i >= len(s) || s[i] == '#':
		return kindNone, i, 0
	case s[i] == '"' || s[i] == '\'':
		end, ok := quotedEnd(s, i)
		if !ok {
			return kindOther, i, 0
		}
		return kindScalar, end, s[i]
	case s[i] == '|' || s[i] == '>':
		return kindBlock, i, 0
	case strings.IndexByte("{[&*!%@`,]}", s[i]) >= 0:
		return kindOther, i, 0
	}
	end := len(s)
	for j := i + 1; j < len(s); j++ {
		if s[j] == '#' && isSpace(s[j-1]) {
			end = j
			break
		}
	}
	for end > i && isSpace(s[end-1]) {
		end--
	}
	return kindScalar, end, 0
}

// quotedEnd returns the index after the quoted scalar starting at i, or
// false when it does not end on this line.
func quotedEnd(s string, i int) (int, bool) {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch {
		case q == '"' && s[j] == '\\':
			j++
		case s[j] == q && q == '\'' && j+1 < len(s) && s[j+1] == '\'':
			j++
		case s[j] == q:
			return j + 1, true
		}
	}
	return 0, false
}

func skipSpaces(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

// indent returns the number of leading spaces, and whether the line is blank.
func indent(s string) (int, bool) {
	i := skipSpaces(s, 0)
	return i, i == len(s)
}
