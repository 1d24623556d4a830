package msgtemplate

import (
	"fmt"
	"net/url"
	"strings"
	"text/template"
)

// stepFunc is the hidden function that countSteps calls at the start of
// every range iteration and template call.
const stepFunc = "_imagepinStep"

// budget is what one rendering may still spend.
type budget struct {
	steps int // range iterations and template calls left
	work  int // bytes that functions may still return
}

func newBudget() *budget {
	return &budget{steps: MaxSteps, work: MaxWork}
}

// funcs are the functions templates run with: join, and bounded versions
// of the builtins that make strings.
func (b *budget) funcs() template.FuncMap {
	return template.FuncMap{
		"join":     b.join,
		"printf":   b.printf,
		"print":    b.print,
		"println":  b.println,
		"html":     b.escaper("html", template.HTMLEscapeString),
		"js":       b.escaper("js", template.JSEscapeString),
		"urlquery": b.escaper("urlquery", url.QueryEscape),
		stepFunc:   b.step,
	}
}

func (b *budget) step() (string, error) {
	if b.steps <= 0 {
		return "", fmt.Errorf("%w: more than %d range iterations and template calls", ErrLimit, MaxSteps)
	}
	b.steps--
	return "", nil
}

// limit is how many bytes the next function result may have.
func (b *budget) limit() int {
	return min(MaxOutput, b.work)
}

// spend charges a function result to the budget.
func (b *budget) spend(name, s string) (string, error) {
	if len(s) > b.limit() {
		return "", b.over(name)
	}
	b.work -= len(s)
	return s, nil
}

func (b *budget) over(name string) error {
	if b.work < MaxOutput {
		return fmt.Errorf("%w: %s: the functions of one message made more than %d bytes", ErrLimit, name, MaxWork)
	}
	return fmt.Errorf("%w: %s: a result longer than %d bytes", ErrLimit, name, MaxOutput)
}

// join is strings.Join, sized before it is made.
func (b *budget) join(elems []string, sep string) (string, error) {
	n := len(sep) * max(len(elems)-1, 0)
	for _, e := range elems {
		n += len(e)
	}
	if n > b.limit() {
		return "", b.over("join")
	}
	return b.spend("join", strings.Join(elems, sep))
}

func (b *budget) printf(format string, args ...any) (string, error) {
	s, err := sprintf(b.limit(), format, args)
	if err != nil {
		if err == errTooLong {
			return "", b.over("printf")
		}
		return "", fmt.Errorf("printf: %w", err)
	}
	return b.spend("printf", s)
}

func (b *budget) print(args ...any) (string, error) {
	s, err := sprint(b.limit(), args, false)
	if err != nil {
		return "", b.over("print")
	}
	return b.spend("print", s)
}

func (b *budget) println(args ...any) (string, error) {
	s, err := sprint(b.limit(), args, true)
	if err != nil {
		return "", b.over("println")
	}
	return b.spend("println", s)
}

// escaper is a bounded html, js or urlquery: it escapes its arguments
// printed as print does. Escaping at most multiplies a length by six.
func (b *budget) escaper(name string, escape func(string) string) func(...any) (string, error) {
	return func(args ...any) (string, error) {
		s, err := sprint(b.limit(), args, false)
		if err != nil {
			return "", b.over(name)
		}
		return b.spend(name, escape(s))
	}
}
