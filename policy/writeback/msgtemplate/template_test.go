package msgtemplate_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"text/template"

	"github.com/imagepin/imagepin/policy/writeback/msgtemplate"
)

type change struct {
	Name  string
	Files []string
}

type data struct {
	Changes []change
	Branch  string
}

var sample = data{Branch: "main", Changes: []change{
	{Name: "app", Files: []string{"a.yaml", "b.yaml", "c.yaml"}},
	{Name: "worker", Files: []string{"c.yaml"}},
}}

// TestExecuteMatchesTextTemplate: within the limits, a template renders
// as text/template renders it with strings.Join as join.
func TestExecuteMatchesTextTemplate(t *testing.T) {
	tests := []string{
		"plain text",
		`{{ range .Changes }}{{ .Name }}: {{ join .Files ", " }}{{ end }} on {{ .Branch }}`,
		`{{ range $i, $c := .Changes }}{{ if $i }}, {{ end }}{{ printf "%-8s|%5.2f|%x|%q|%v" $c.Name 3.14159 255 "q" $c.Files }}{{ end }}`,
		`{{ printf "%d%%" 50 }} {{ printf "%d" }} {{ printf "%d" 1 2 "x" nil }} {{ printf "%" }} {{ printf "%-" }} {{ printf "%!" 1 }}`,
		`{{ printf "%s" "é" }}{{ printf "%5.1q" "日本語" }}{{ printf "%08.3f" -3.5 }}`,
		`{{ print 1 2 "a" "b" 3 nil 4 }}|{{ println 1 "a" 2 }}|{{ print }}|{{ println }}`,
		`{{ html "<a href=\"x\">&</a>" }} {{ js "it's \\ <b>" }} {{ urlquery "a b&c" 1 2 }} {{ html 1 2 }}`,
		`{{ define "x" }}[{{ . }}]{{ end }}{{ range .Changes }}{{ template "x" .Name }}{{ end }}{{ block "y" . }}{{ .Branch }}{{ end }}`,
		`{{ range 3 }}{{ . }}{{ else }}none{{ end }}{{ range .Changes }}{{ if eq .Name "app" }}{{ continue }}{{ end }}{{ .Name }}{{ break }}{{ end }}`,
		`{{ with $x := index .Changes 1 }}{{ $x.Name }}{{ end }}{{ len .Changes }}{{ slice .Branch 1 3 }}`,
	}
	for _, text := range tests {
		t.Run(text, func(t *testing.T) {
			want := renderPlain(t, text)
			tmpl, err := msgtemplate.Parse(text)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tmpl.Execute(sample)
			if err != nil || got != want {
				t.Errorf("Execute = %q, %v\nwant    %q", got, err, want)
			}
		})
	}
}

func renderPlain(t *testing.T, text string) string {
	t.Helper()
	tmpl, err := template.New("message").Funcs(template.FuncMap{"join": strings.Join}).Option("missingkey=error").Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, sample); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestLimits: each limit stops a rendering with an error that names it.
func TestLimits(t *testing.T) {
	big := fmt.Sprintf(`{{ $a := printf "%%%ds" "" }}`, msgtemplate.MaxWidth)
	// times10 makes $a ten times longer.
	times10 := `{{ $a = printf "%s%s%s%s%s%s%s%s%s%s" $a $a $a $a $a $a $a $a $a $a }}`
	tenThousand := func(s string) string { return `{{ $a := "` + s + `" }}` + strings.Repeat(times10, 3) }
	tests := map[string]struct {
		text string
		want string
	}{
		"output":             {`{{ range 100000 }}0123456789{{ end }}`, "longer than 16384 bytes"},
		"output of one call": {big + strings.Repeat(`{{ $a = printf "%s%s" $a $a }}`, 5) + `{{ $a }}`, "printf: a result longer than 16384"},
		"steps":              {`{{ range 1000 }}{{ range 1000 }}{{ end }}{{ end }}`, "more than 10000 range iterations"},
		"template calls":     {templateCalls(20), "more than 10000 range iterations and template calls"},
		"work":               {big + `{{ range 2000 }}{{ $b := printf "%s" $a }}{{ end }}`, "made more than 1048576 bytes"},
		"join":               {tenThousand("0123456789") + `{{ join (index .Changes 0).Files $a }}`, "join: a result longer"},
		"print":              {big + strings.Repeat(`{{ $a = print $a $a }}`, 5), "print: a result longer"},
		"println":            {big + strings.Repeat(`{{ $a = println $a $a }}`, 5), "println: a result longer"},
		"js":                 {tenThousand(`\\\\\\\\\\\\\\\\\\\\`) + `{{ js $a }}`, "js: a result longer"},
		"html":               {tenThousand("&&&&&&&&&&") + `{{ html $a }}`, "html: a result longer"},
		"urlquery":           {tenThousand("          ") + `{{ urlquery $a $a }}`, "urlquery: a result longer"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tmpl, err := msgtemplate.Parse(tc.text)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tmpl.Execute(sample)
			if !errors.Is(err, msgtemplate.ErrLimit) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Execute = %d bytes, %v; want an ErrLimit that says %q", len(got), err, tc.want)
			}
		})
	}
}

// templateCalls is a template whose named templates each call the next
// twice: 2^n calls that print nothing.
func templateCalls(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{{ define "t%d" }}{{ template "t%d" }}{{ template "t%d" }}{{ end }}`, i, i+1, i+1)
	}
	fmt.Fprintf(&b, `{{ define "t%d" }}{{ end }}{{ template "t0" }}`, n)
	return b.String()
}

// TestParseRefuses: templates that could never render within the limits,
// or that do not parse, are refused with a message that says why.
func TestParseRefuses(t *testing.T) {
	tests := map[string]struct {
		text string
		want string
	}{
		"syntax":             {"bump {{ .Policy", "unclosed action"},
		"unknown function":   {"{{ sprig }}", `function "sprig" not defined`},
		"width":              {`{{ printf "%1025d" 0 }}`, "width 1025 is over 1024"},
		"precision":          {`{{ printf "%5.99999f" 0.5 }}`, "precision 99999 is over"},
		"long width":         {`{{ printf "%99999999999999999999d" 0 }}`, "width 999999999999… is over"},
		"width in a pipe":    {`{{ 0 | printf "%s %02000d" "x" }}`, "width 2000"},
		"width from an arg":  {`{{ printf "%*d" 5 0 }}`, "from the arguments"},
		"argument index":     {`{{ printf "%[2]d %[1]d" 1 2 }}`, "argument index"},
		"recursion":          {`{{ define "t" }}{{ template "t" }}{{ end }}{{ template "t" }}`, `template "t" calls itself`},
		"indirect recursion": {`{{ define "a" }}{{ template "b" }}{{ end }}{{ define "b" }}{{ template "a" }}{{ end }}x`, "calls itself"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := msgtemplate.Parse(tc.text)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse: %v; want an error that says %q", err, tc.want)
			}
		})
	}
}
