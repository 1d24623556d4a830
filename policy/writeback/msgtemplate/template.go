package msgtemplate

import (
	"errors"
	"fmt"
	"text/template"
)

// Limits of one rendering. A template that passes one fails with an error
// that wraps ErrLimit; write-back then uses its default message.
const (
	// MaxOutput bounds the rendered message, and any one function result:
	// nothing longer could be printed.
	MaxOutput = 16 << 10
	// MaxSteps bounds the range iterations and template calls of one
	// rendering. A loop that prints nothing is bounded by it alone.
	MaxSteps = 10_000
	// MaxWork bounds the bytes that all function calls of one rendering
	// return together, printed or not.
	MaxWork = 1 << 20
	// MaxWidth bounds a printf width or precision.
	MaxWidth = 1024
)

// ErrLimit is wrapped by the errors of a template that passes a limit.
var ErrLimit = errors.New("over the limits of a message template")

// Template is a parsed message template. It is safe for concurrent use.
type Template struct {
	tmpl *template.Template
}

// Parse parses a message template with the functions it runs with. It
// refuses printf formats whose width or precision is over MaxWidth, and
// templates that call themselves.
// Errors of missing map keys are errors when it runs.
func Parse(text string) (*Template, error) {
	tmpl, err := template.New("message").Funcs((&budget{}).funcs()).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, err
	}
	if err := checkFormats(tmpl); err != nil {
		return nil, err
	}
	if err := checkRecursion(tmpl); err != nil {
		return nil, err
	}
	if err := countSteps(tmpl); err != nil {
		return nil, err
	}
	return &Template{tmpl: tmpl}, nil
}

// MustParse is Parse for templates known to be valid; it panics otherwise.
func MustParse(text string) *Template {
	t, err := Parse(text)
	if err != nil {
		panic(fmt.Sprintf("msgtemplate: %v", err))
	}
	return t
}

// Execute renders the template with data within the limits.
func (t *Template) Execute(data any) (string, error) {
	// Each rendering counts on its own budget: the functions are bound to
	// it in a copy of the template.
	tmpl, err := t.tmpl.Clone()
	if err != nil {
		return "", err
	}
	tmpl.Funcs(newBudget().funcs())
	w := &limitedWriter{max: MaxOutput}
	if err := tmpl.Execute(w, data); err != nil {
		return "", err
	}
	return string(w.buf), nil
}

// limitedWriter keeps what is written up to max bytes, and fails past it.
type limitedWriter struct {
	buf []byte
	max int
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	if len(w.buf)+len(p) > w.max {
		return 0, fmt.Errorf("%w: the message is longer than %d bytes", ErrLimit, w.max)
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}
