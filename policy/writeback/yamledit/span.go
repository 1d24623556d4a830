package yamledit

import (
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// editable reports why n cannot be changed in place, or nil.
func editable(n *yaml.Node) error {
	switch {
	case n.Kind == yaml.AliasNode || n.Anchor != "":
		return fmt.Errorf("line %d uses an anchor or alias: %w", n.Line, ErrUnsupported)
	case n.Style&yaml.TaggedStyle != 0:
		return fmt.Errorf("line %d has an explicit tag %s: %w", n.Line, n.Tag, ErrUnsupported)
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return fmt.Errorf("line %d is a block scalar: %w", n.Line, ErrUnsupported)
	}
	return nil
}

// emptyNull reports whether n is a null written as nothing at all (key:).
func emptyNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Value == "" && n.Style == 0 && n.Tag == "!!null"
}

// scalarSpan returns the bytes [start, end) of a one-line scalar.
func (d *Doc) scalarSpan(n *yaml.Node) (int, int, error) {
	if n.Kind != yaml.ScalarNode {
		return 0, 0, fmt.Errorf("line %d is not a scalar", n.Line)
	}
	if err := editable(n); err != nil {
		return 0, 0, err
	}
	start, err := d.offset(n)
	if err != nil {
		return 0, 0, err
	}
	end := -1
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		end = quotedEnd(d.src, start, '"')
	case n.Style&yaml.SingleQuotedStyle != 0:
		end = quotedEnd(d.src, start, '\'')
	case n.Value != "" && !strings.ContainsAny(n.Value, "\r\n") &&
		strings.HasPrefix(string(d.src[start:]), n.Value):
		end = start + len(n.Value)
	}
	if end < 0 {
		return 0, 0, fmt.Errorf("the scalar on line %d spans lines: %w", n.Line, ErrUnsupported)
	}
	return start, end, nil
}

// quotedEnd returns the offset after the closing quote of the quoted
// scalar at start, or -1 when it is not closed on the same line.
func quotedEnd(src []byte, start int, q byte) int {
	if start >= len(src) || src[start] != q {
		return -1
	}
	for i := start + 1; i < len(src); i++ {
		switch c := src[i]; {
		case c == '\n' || c == '\r':
			return -1
		case q == '"' && c == '\\':
			i++
		case c == q && q == '\'' && i+1 < len(src) && src[i+1] == '\'':
			i++
		case c == q:
			return i + 1
		}
	}
	return -1
}

// end returns the offset just after n's text: a one-line scalar, or a
// collection's last value (and closing bracket, for flow collections).
// key is n's key when n is a mapping value, for a value written as nothing.
func (d *Doc) end(key, n *yaml.Node) (int, error) {
	if err := editable(n); err != nil {
		return 0, err
	}
	switch {
	case emptyNull(n) && key != nil:
		return d.colonAfter(key)
	case n.Kind == yaml.ScalarNode:
		_, end, err := d.scalarSpan(n)
		return end, err
	case n.Style&yaml.FlowStyle != 0:
		return d.flowEnd(n)
	case len(n.Content) == 0:
		return 0, fmt.Errorf("line %d: an empty block collection: %w", n.Line, ErrUnsupported)
	case n.Kind == yaml.MappingNode:
		last := len(n.Content) - 1
		return d.end(n.Content[last-1], n.Content[last])
	}
	return d.end(nil, n.Content[len(n.Content)-1])
}

// flowEnd returns the offset after the closing bracket of flow collection n,
// which must close on the line of its last item.
func (d *Doc) flowEnd(n *yaml.Node) (int, error) {
	from, err := d.offset(n) // the opening bracket
	if err != nil {
		return 0, err
	}
	from++
	if k := len(n.Content); k > 0 {
		var key *yaml.Node
		if n.Kind == yaml.MappingNode {
			key = n.Content[k-2]
		}
		if from, err = d.end(key, n.Content[k-1]); err != nil {
			return 0, err
		}
	}
	closing := byte(']')
	if n.Kind == yaml.MappingNode {
		closing = '}'
	}
	for i := from; i < len(d.src); i++ {
		switch d.src[i] {
		case ' ', '\t', ',':
		case closing:
			return i + 1, nil
		default:
			return 0, fmt.Errorf("the flow collection on line %d does not close on one line: %w", n.Line, ErrUnsupported)
		}
	}
	return 0, fmt.Errorf("the flow collection on line %d is not closed: %w", n.Line, ErrUnsupported)
}

// colonAfter returns the offset after the ':' that follows scalar key.
func (d *Doc) colonAfter(key *yaml.Node) (int, error) {
	_, end, err := d.scalarSpan(key)
	if err != nil {
		return 0, err
	}
	for i := end; i < len(d.src); i++ {
		switch d.src[i] {
		case ' ', '\t':
		case ':':
			return i + 1, nil
		default:
			return 0, fmt.Errorf("no ':' after the key on line %d: %w", key.Line, ErrUnsupported)
		}
	}
	return 0, fmt.Errorf("no ':' after the key on line %d: %w", key.Line, ErrUnsupported)
}

// indentOf returns the indentation of a line as spaces up to node n: the
// spaces before it, with the dashes of block sequences turned to spaces.
func (d *Doc) indentOf(n *yaml.Node) (string, error) {
	off, err := d.offset(n)
	if err != nil {
		return "", err
	}
	prefix := d.src[d.lines[d.lineOf(off)-1]:off]
	for _, c := range prefix {
		if c != ' ' && c != '-' {
			return "", fmt.Errorf("line %d is indented with %q: %w", n.Line, prefix, ErrUnsupported)
		}
	}
	return strings.Repeat(" ", len(prefix)), nil
}
