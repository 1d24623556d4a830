package msgtemplate

import (
	"fmt"
	"strings"
	"text/template"
	"text/template/parse"
)

// countSteps makes every range iteration and every template call of tmpl
// call the step function first, so that loops and calls that print
// nothing still count against MaxSteps.
func countSteps(tmpl *template.Template) error {
	step, err := stepNode()
	if err != nil {
		return err
	}
	prepend := func(l *parse.ListNode) {
		if l != nil {
			l.Nodes = append([]parse.Node{step}, l.Nodes...)
		}
	}
	for _, t := range tmpl.Templates() {
		if t.Tree == nil || t.Root == nil {
			continue
		}
		walk(t.Root, func(n parse.Node) error {
			if r, ok := n.(*parse.RangeNode); ok {
				prepend(r.List)
			}
			return nil
		})
		prepend(t.Root)
	}
	return nil
}

// stepNode is the action {{_imagepinStep}}, which prints nothing.
func stepNode() (parse.Node, error) {
	t, err := template.New("step").Funcs(template.FuncMap{stepFunc: (&budget{}).step}).Parse("{{" + stepFunc + "}}")
	if err != nil {
		return nil, fmt.Errorf("msgtemplate: %w", err)
	}
	return t.Root.Nodes[0], nil
}

// checkFormats refuses the printf calls of tmpl whose format, a constant,
// asks for more than MaxWidth: such a template can never render, so it is
// refused when it is applied.
func checkFormats(tmpl *template.Template) error {
	for _, t := range tmpl.Templates() {
		if t.Tree == nil || t.Root == nil {
			continue
		}
		if err := walk(t.Root, checkFormat); err != nil {
			return err
		}
	}
	return nil
}

func checkFormat(n parse.Node) error {
	cmd, ok := n.(*parse.CommandNode)
	if !ok || len(cmd.Args) < 2 {
		return nil
	}
	fn, ok := cmd.Args[0].(*parse.IdentifierNode)
	format, isString := cmd.Args[1].(*parse.StringNode)
	if !ok || fn.Ident != "printf" || !isString {
		return nil
	}
	for s := format.Text; s != ""; {
		i := strings.IndexByte(s, '%')
		if i < 0 {
			break
		}
		v, err := parseVerb(s[i:])
		if err != nil {
			return fmt.Errorf("printf %s: %w", shorten(format.Quoted), err)
		}
		s = s[i+len(v.spec):]
	}
	return nil
}

// walk calls fn on n and every node below it, and stops at fn's first
// error.
func walk(n parse.Node, fn func(parse.Node) error) error {
	if n == nil {
		return nil
	}
	if err := fn(n); err != nil {
		return err
	}
	for _, c := range children(n) {
		if err := walk(c, fn); err != nil {
			return err
		}
	}
	return nil
}

func children(n parse.Node) []parse.Node {
	switch n := n.(type) {
	case *parse.ListNode:
		return n.Nodes
	case *parse.ActionNode:
		return []parse.Node{n.Pipe}
	case *parse.IfNode:
		return branch(&n.BranchNode)
	case *parse.RangeNode:
		return branch(&n.BranchNode)
	case *parse.WithNode:
		return branch(&n.BranchNode)
	case *parse.TemplateNode:
		return []parse.Node{n.Pipe}
	case *parse.PipeNode:
		if n == nil {
			return nil
		}
		nodes := make([]parse.Node, 0, len(n.Cmds))
		for _, c := range n.Cmds {
			nodes = append(nodes, c)
		}
		return nodes
	case *parse.CommandNode:
		return n.Args
	case *parse.ChainNode:
		return []parse.Node{n.Node}
	}
	return nil
}

func branch(b *parse.BranchNode) []parse.Node {
	nodes := []parse.Node{b.Pipe, b.List}
	if b.ElseList != nil {
		nodes = append(nodes, b.ElseList)
	}
	return nodes
}

// shorten cuts a quoted format for an error message.
func shorten(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
