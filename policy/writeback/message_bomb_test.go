package writeback

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Bounds a commit message must stay within, whatever the template.
const (
	// bombAllocBudget is how much memory rendering one hostile template
	// may allocate in total; unbounded, each bomb below asks for 60 MB to
	// many GB.
	bombAllocBudget = 8 << 20
	// bombHang is how long a render may run before the test calls it a
	// hang: not a speed limit (a bounded render takes milliseconds), only
	// a way to fail instead of running for hours.
	bombHang = 2 * time.Minute
)

// bombs are messageTemplates of at most 4 KiB (the CRD's limit) that ask
// for unbounded memory or time.
func bombs() map[string]string {
	doubling := func(start, step string, n int) string {
		return start + strings.Repeat(step, n) + "{{ $a }}"
	}
	return map[string]string{
		"printf width":                 "{{ printf \"" + strings.Repeat("%9999999d", 20) + "\"" + strings.Repeat(" 0", 20) + " }}",
		"printf precision":             "{{ printf \"%.99999999f\" 1.0 }}",
		"printf width from a variable": `{{ $f := "%9999999d%9999999d%9999999d%9999999d%9999999d" }}{{ printf $f 0 0 0 0 0 }}`,
		"printf doubling":              doubling(`{{ $a := "aaaaaaaa" }}`, `{{ $a = printf "%s%s" $a $a }}`, 23),
		"print doubling":               doubling(`{{ $a := "aaaaaaaa" }}`, `{{ $a = print $a $a }}`, 23),
		"println doubling":             doubling(`{{ $a := "aaaaaaaa" }}`, `{{ $a = println $a $a }}`, 23),
		"js doubling":                  doubling(`{{ $a := printf "%c" 92 }}`, `{{ $a = js $a }}`, 24),
		"html growth":                  doubling(`{{ $a := "`+strings.Repeat("&", 200)+`" }}`, `{{ $a = html $a }}`, 150),
		"join doubling": doubling(`{{ $a := "aaaaaaaa" }}{{ $f := (index .Changes 0).Files }}`,
			`{{ $a = join $f $a }}`, 23),
		"output":         `{{ range 10000000 }}0123456789{{ end }}`,
		"range int":      `{{ range 1000000 }}{{ range 1000000 }}{{ end }}{{ end }}`,
		"range changes":  strings.Repeat(`{{ range $.Changes }}`, 12) + strings.Repeat(`{{ end }}`, 12),
		"template calls": templateCalls(40),
	}
}

// templateCalls is a template whose named templates each call the next
// twice: 2^n calls without output.
func templateCalls(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{{ define "t%d" }}{{ template "t%d" }}{{ template "t%d" }}{{ end }}`, i, i+1, i+1)
	}
	fmt.Fprintf(&b, `{{ define "t%d" }}{{ end }}{{ template "t0" }}`, n)
	return b.String()
}

// TestMessageTemplateBombs: a hostile messageTemplate renders within a
// fixed memory budget and ends, and the commit gets the default message.
func TestMessageTemplateBombs(t *testing.T) {
	changes := make([]PolicyChange, 10)
	for i := range changes {
		changes[i] = PolicyChange{Namespace: "apps", Name: fmt.Sprint("app", i), Policy: fmt.Sprint("apps/app", i),
			New: "r/app:1.1.0", NewTag: "1.1.0", Why: WhyScan, Reason: "scan: newer allowed tag 1.1.0", Files: []string{"a.yaml", "b.yaml", "c.yaml"}}
	}
	data := MessageData{Changes: changes, URL: "https://git.example.com/r.git", Branch: "main"}
	want, err := message(nil, data)
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range bombs() {
		t.Run(name, func(t *testing.T) {
			if len(text) > 4096 {
				t.Fatalf("the bomb has %d bytes, more than the CRD allows", len(text))
			}
			tmpl, err := parseTemplate(text)
			if err != nil {
				t.Logf("refused when parsed: %v", err)
				return
			}
			got, alloc, err := renderMeasured(t, func() (string, error) { return message(tmpl, data) })
			t.Logf("allocated %d KiB: %v", alloc>>10, err)
			if err == nil || got != want {
				t.Errorf("message of %d bytes, error %v; want the default message and an error", len(got), err)
			}
			if alloc > bombAllocBudget {
				t.Errorf("rendering allocated %d MiB; want at most %d MiB", alloc>>20, bombAllocBudget>>20)
			}
		})
	}
}

// renderMeasured runs render and returns its message, the bytes it
// allocated and its error; it fails the test when render hangs.
func renderMeasured(t *testing.T, render func() (string, error)) (string, uint64, error) {
	t.Helper()
	type result struct {
		msg   string
		err   error
		alloc uint64
	}
	done := make(chan result, 1)
	go func() {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		msg, err := render()
		runtime.ReadMemStats(&after)
		done <- result{msg, err, after.TotalAlloc - before.TotalAlloc}
	}()
	select {
	case r := <-done:
		return r.msg, r.alloc, r.err
	case <-time.After(bombHang):
		t.Fatalf("rendering still runs after %s", bombHang)
		return "", 0, nil
	}
}
