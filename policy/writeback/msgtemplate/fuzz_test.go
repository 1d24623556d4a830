package msgtemplate_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/imagepin/imagepin/policy/writeback/msgtemplate"
)

// fuzzAllocBudget is what one rendering may allocate: MaxWork, the output,
// and the renderer's own bookkeeping, with room to spare.
const fuzzAllocBudget = 32 << 20

// FuzzExecute renders arbitrary templates: none may panic, hang, print
// more than MaxOutput or allocate past fuzzAllocBudget.
func FuzzExecute(f *testing.F) {
	for _, s := range []string{
		`{{ range .Changes }}{{ .Name }}: {{ join .Files ", " }}{{ end }} on {{ .Branch }}`,
		`{{ $a := "ab" }}{{ range 30 }}{{ $a = printf "%s%s" $a $a }}{{ end }}{{ $a }}`,
		`{{ range 1000 }}{{ range 1000 }}{{ print . }}{{ end }}{{ end }}`,
		`{{ define "a" }}{{ template "b" }}{{ template "b" }}{{ end }}{{ define "b" }}x{{ end }}{{ template "a" }}`,
		`{{ js (html (urlquery (println 1 "&\\<" nil))) }}{{ printf "%08.3f|%-5s|%x" 3.5 "a" "b" }}`,
		`{{ with index .Changes 0 }}{{ slice .Name 1 }}{{ len .Files }}{{ end }}{{ block "x" . }}{{ .Branch }}{{ end }}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		tmpl, err := msgtemplate.Parse(text)
		if err != nil {
			return
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		out, err := tmpl.Execute(sample)
		runtime.ReadMemStats(&after)
		if len(out) > msgtemplate.MaxOutput {
			t.Errorf("%d bytes of output, over MaxOutput", len(out))
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > fuzzAllocBudget {
			t.Errorf("rendering allocated %d MiB (error %v)", alloc>>20, err)
		}
	})
}

// FuzzPrintf checks that the bounded printf prints what fmt.Sprintf
// prints, whenever it prints at all.
func FuzzPrintf(f *testing.F) {
	for _, s := range []string{"%d %s", "%-8.3q|%+x", "%%%v%", "%!", "%08.2f %s", "%[1]d", "%*d", "%.d%5%", "%é %U"} {
		f.Add(s, 42, "é<&>")
	}
	tmpl := msgtemplate.MustParse(`{{ printf .Format .N .S }}`)
	f.Fuzz(func(t *testing.T, format string, n int, s string) {
		got, err := tmpl.Execute(struct {
			Format string
			N      int
			S      string
		}{format, n, s})
		switch {
		case errors.Is(err, msgtemplate.ErrLimit), err != nil && strings.Contains(err.Error(), "not supported"):
			return
		case err != nil:
			t.Fatalf("printf %q: %v", format, err)
		}
		if want := fmt.Sprintf(format, n, s); got != want {
			t.Errorf("printf %q = %q; fmt.Sprintf = %q", format, got, want)
		}
	})
}
