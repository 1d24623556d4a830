package writeback

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/validation"
)

func TestMessage(t *testing.T) {
	app := PolicyChange{Namespace: "apps", Name: "app", Policy: "apps/app", Old: "r/app:1.0.0@sha256:a", New: "r/app:1.1.0@sha256:b",
		OldTag: "1.0.0", NewTag: "1.1.0", Why: WhyScan, Reason: "scan: newer allowed tag 1.1.0", Files: []string{"a.yaml", "b.yaml"}}
	rollback := app
	rollback.Old, rollback.New, rollback.OldTag, rollback.NewTag, rollback.Why = app.New, app.Old, app.NewTag, app.OldTag, WhyRollback
	first := app
	first.Old, first.OldTag = "", ""
	tests := map[string]struct {
		template string
		changes  []PolicyChange
		want     string
		err      string
	}{
		"scan": {"", []PolicyChange{app}, "imagepin: update apps/app from 1.0.0 to 1.1.0 (scan)\n\napps/app\n  from:  r/app:1.0.0@sha256:a\n" +
			"  to:    r/app:1.1.0@sha256:b\n  why:   scan: newer allowed tag 1.1.0\n  files: a.yaml, b.yaml\n", ""},
		"rollback":       {"", []PolicyChange{rollback}, "imagepin: roll back apps/app from 1.1.0 to 1.0.0 (rollback)\n", ""},
		"first":          {"", []PolicyChange{first}, "imagepin: update apps/app to 1.1.0 (scan)\n\napps/app\n  from:  nothing\n", ""},
		"two policies":   {"", []PolicyChange{app, rollback}, "imagepin: update 2 images\n\napps/app\n", ""},
		"template":       {"{{ range .Changes }}chore: {{ .Name }} {{ .NewTag }} on {{ $.Branch }}{{ end }}", []PolicyChange{app}, "chore: app 1.1.0 on main\n", ""},
		"template fails": {"{{ .Nope }}", []PolicyChange{app}, "imagepin: update apps/app from 1.0.0 to 1.1.0 (scan)\n", "can't evaluate field Nope"},
		"empty message":  {"{{/* nothing */}}", []PolicyChange{app}, "imagepin: update apps/app", "empty"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tmpl := defaultTemplate
			if tc.template != "" {
				var err error
				if tmpl, err = parseTemplate(tc.template); err != nil {
					t.Fatal(err)
				}
			}
			got, err := message(tmpl, MessageData{Changes: tc.changes, URL: "https://git.example.com/r.git", Branch: "main"})
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("message:\n%s\nwant it to start with:\n%s", got, tc.want)
			}
			if (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
				t.Errorf("error %v; want %q", err, tc.err)
			}
		})
	}
}

// TestDefaultTemplateIsValid: the validating webhook accepts the default
// message template as a messageTemplate (it uses join).
func TestDefaultTemplateIsValid(t *testing.T) {
	git := v1alpha1.GitWriteBack{URL: "https://git.example.com/r.git", MessageTemplate: DefaultMessageTemplate}
	if errs := validation.GitWriteBack(&git, field.NewPath("spec", "writeBack", "git")); len(errs) > 0 {
		t.Errorf("the default template is refused: %v", errs)
	}
}
