package msgtemplate

import (
	"fmt"
	"text/template"
	"text/template/parse"
)

// checkRecursion refuses templates that call themselves, directly or
// through others. Each call nests the renderer one level deeper, so
// recursion would cost MaxSteps levels of stack before the step limit
// stopped it; without it, calls nest at most as deep as there are
// templates.
func checkRecursion(tmpl *template.Template) error {
	calls := map[string][]string{}
	for _, t := range tmpl.Templates() {
		if t.Tree == nil || t.Root == nil {
			continue
		}
		_ = walk(t.Root, func(n parse.Node) error {
			if c, ok := n.(*parse.TemplateNode); ok {
				calls[t.Name()] = append(calls[t.Name()], c.Name)
			}
			return nil
		})
	}
	done := map[string]bool{}
	for name := range calls {
		if err := visit(name, calls, map[string]bool{}, done); err != nil {
			return err
		}
	}
	return nil
}

// visit walks the calls from name depth first; open holds the templates
// on the current path.
func visit(name string, calls map[string][]string, open, done map[string]bool) error {
	if done[name] {
		return nil
	}
	if open[name] {
		return fmt.Errorf("template %q calls itself: recursive templates are not supported", name)
	}
	open[name] = true
	for _, c := range calls[name] {
		if err := visit(c, calls, open, done); err != nil {
			return err
		}
	}
	delete(open, name)
	done[name] = true
	return nil
}
