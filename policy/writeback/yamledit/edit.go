package yamledit

import (
	"fmt"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// edit replaces src[start:end] with text.
type edit struct {
	start, end int
	text       string
}

// Pair is a key and a scalar value to write.
type Pair struct{ Key, Value string }

// Set writes v as the value of a mapping entry, keeping the quoting style
// of the old value where v reads back the same in it.
func (d *Doc) Set(key, value *yaml.Node, v string) error {
	if err := validValue(v); err != nil {
		return err
	}
	if emptyNull(value) {
		at, err := d.colonAfter(key)
		if err != nil {
			return err
		}
		return d.add(at, at, " "+quote(v, 0))
	}
	start, end, err := d.scalarSpan(value)
	if err != nil {
		return err
	}
	return d.add(start, end, quote(v, value.Style))
}

// AddPairs adds entries to mapping m after its last one, as lines
// indented like its keys, or inside the braces of a flow mapping.
func (d *Doc) AddPairs(m *yaml.Node, pairs []Pair) error {
	if m.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d is not a mapping", m.Line)
	}
	if err := validPairs(pairs); err != nil {
		return err
	}
	if m.Style&yaml.FlowStyle != 0 {
		return d.addFlow(m, flowPairs(pairs))
	}
	if len(m.Content) == 0 {
		return fmt.Errorf("line %d: an empty mapping: %w", m.Line, ErrUnsupported)
	}
	indent, err := d.indentOf(m.Content[0])
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, p := range pairs {
		b.WriteString(indent + p.Key + ": " + quote(p.Value, 0) + d.newline())
	}
	return d.addLinesAfter(m, b.String())
}

// AppendMapping adds a mapping of pairs to the end of sequence s.
func (d *Doc) AppendMapping(s *yaml.Node, pairs []Pair) error {
	if s.Kind != yaml.SequenceNode {
		return fmt.Errorf("line %d is not a sequence", s.Line)
	}
	if err := validPairs(pairs); err != nil {
		return err
	}
	if s.Style&yaml.FlowStyle != 0 {
		return d.addFlow(s, "{"+flowPairs(pairs)+"}")
	}
	first := s.Content[0]
	itemIndent, err := d.indentOf(first)
	if err != nil {
		return err
	}
	dash, err := d.dashIndent(first)
	if err != nil {
		return err
	}
	return d.addLinesAfter(s, blockItem(dash, itemIndent, pairs, d.newline()))
}

// SetSequence turns key's empty value (key:) into a block sequence holding
// one mapping of pairs, or adds key with it to the end of mapping m when
// key is nil.
func (d *Doc) SetSequence(m, key *yaml.Node, name string, pairs []Pair) error {
	if err := validPairs(pairs); err != nil {
		return err
	}
	nl := d.newline()
	if key != nil {
		indent, err := d.indentOf(key)
		if err != nil {
			return err
		}
		off, err := d.colonAfter(key)
		if err != nil {
			return err
		}
		at := d.lineEnd(off)
		return d.add(at, at, nl+strings.TrimSuffix(blockItem(indent, indent+"  ", pairs, nl), nl))
	}
	if m.Kind != yaml.MappingNode || m.Style&yaml.FlowStyle != 0 || len(m.Content) == 0 {
		return fmt.Errorf("line %d is not a block mapping: %w", m.Line, ErrUnsupported)
	}
	indent, err := d.indentOf(m.Content[0])
	if err != nil {
		return err
	}
	return d.addLinesAfter(m, indent+name+":"+nl+blockItem(indent, indent+"  ", pairs, nl))
}

// blockItem writes "- k: v" and the further pairs below it.
func blockItem(dash, indent string, pairs []Pair, nl string) string {
	var b strings.Builder
	for i, p := range pairs {
		if i == 0 {
			b.WriteString(dash + "-" + strings.Repeat(" ", max(1, len(indent)-len(dash)-1)))
		} else {
			b.WriteString(indent)
		}
		b.WriteString(p.Key + ": " + quote(p.Value, 0) + nl)
	}
	return b.String()
}

func flowPairs(pairs []Pair) string {
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = p.Key + ": " + quote(p.Value, 0)
	}
	return strings.Join(parts, ", ")
}

// addFlow inserts text as the last item of flow collection n.
func (d *Doc) addFlow(n *yaml.Node, text string) error {
	end, err := d.flowEnd(n)
	if err != nil {
		return err
	}
	if len(n.Content) == 0 {
		at, err := d.offset(n)
		if err != nil {
			return err
		}
		return d.add(at+1, at+1, text)
	}
	var key *yaml.Node
	if n.Kind == yaml.MappingNode {
		key = n.Content[len(n.Content)-2]
	}
	last, err := d.end(key, n.Content[len(n.Content)-1])
	if err != nil || last >= end {
		return fmt.Errorf("line %d: %w", n.Line, ErrUnsupported)
	}
	return d.add(last, last, ", "+text)
}

// addLinesAfter inserts lines after the line where n's text ends.
func (d *Doc) addLinesAfter(n *yaml.Node, lines string) error {
	end, err := d.end(nil, n)
	if err != nil {
		return err
	}
	at := d.lineEnd(end)
	if at == len(d.src) {
		return d.add(at, at, d.newline()+strings.TrimSuffix(lines, d.newline()))
	}
	at = d.lines[d.lineOf(end)]
	return d.add(at, at, lines)
}

// dashIndent returns the spaces before the '-' of sequence item n.
func (d *Doc) dashIndent(n *yaml.Node) (string, error) {
	off, err := d.offset(n)
	if err != nil {
		return "", err
	}
	start := d.lines[d.lineOf(off)-1]
	i := strings.IndexByte(string(d.src[start:off]), '-')
	if i < 0 {
		return "", fmt.Errorf("line %d: the item's '-' is on another line: %w", n.Line, ErrUnsupported)
	}
	return strings.Repeat(" ", i), nil
}

func (d *Doc) add(start, end int, text string) error {
	for _, e := range d.edits {
		if start < e.end && e.start < end || start == e.start && end == e.end {
			return fmt.Errorf("two changes at line %d: %w", d.lineOf(start), ErrUnsupported)
		}
	}
	d.edits = append(d.edits, edit{start: start, end: end, text: text})
	return nil
}

// Bytes returns the file with the edits made, and the lines of the
// original file that they changed (an insertion changes the line it is
// inserted into, if it starts within one).
func (d *Doc) Bytes() ([]byte, []int) {
	edits := append([]edit(nil), d.edits...)
	sort.Slice(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	var out strings.Builder
	var touched []int
	prev := 0
	for _, e := range edits {
		out.Write(d.src[prev:e.start])
		out.WriteString(e.text)
		prev = e.end
		if e.start != e.end || e.start != d.lines[d.lineOf(e.start)-1] {
			for l := d.lineOf(e.start); l <= d.lineOf(max(e.start, e.end-1)); l++ {
				touched = append(touched, l)
			}
		}
	}
	out.Write(d.src[prev:])
	return []byte(out.String()), touched
}

// Changed reports whether any edit was made.
func (d *Doc) Changed() bool { return len(d.edits) > 0 }

func validPairs(pairs []Pair) error {
	if len(pairs) == 0 {
		return fmt.Errorf("nothing to add")
	}
	for _, p := range pairs {
		if err := validValue(p.Key); err != nil {
			return err
		}
		if err := validValue(p.Value); err != nil {
			return err
		}
	}
	return nil
}
