package writeback

import (
	"fmt"
	"strings"

	"github.com/imagepin/imagepin/policy/writeback/msgtemplate"
)

// MessageData is what a commit message template is executed with.
type MessageData struct {
	// Changes are the policies whose markers the commit changes, ordered by
	// namespace and name.
	Changes []PolicyChange
	// URL and Branch are the repository and branch committed to.
	URL, Branch string
}

// PolicyChange is one policy in a commit.
type PolicyChange struct {
	// Namespace and Name of the ImagePolicy; Policy is namespace/name.
	Namespace, Name, Policy string
	// Old is the image current held before (status.history), "" if none;
	// New is status.current.image.
	Old, New string
	// OldTag and NewTag are the tags, or short digests for digest pins.
	OldTag, NewTag string
	// Why is WhyScan, WhyRollback or WhyPolicyEdit; Reason says it in a
	// sentence.
	Why, Reason string
	// Files are the files whose markers changed.
	Files []string
}

// DefaultMessageTemplate is the commit message when a policy has no
// messageTemplate: a subject that names the policy, the old and new tag and
// why (several policies: how many), then each policy's images, reason and
// files.
const DefaultMessageTemplate = `imagepin: {{ if eq (len .Changes) 1 }}{{ with index .Changes 0 }}` +
	`{{ if eq .Why "rollback" }}roll back{{ else }}update{{ end }} {{ .Policy }} ` +
	`{{ with .OldTag }}from {{ . }} {{ end }}to {{ .NewTag }} ({{ .Why }}){{ end }}` +
	`{{ else }}update {{ len .Changes }} images{{ end }}
{{ range .Changes }}
{{ .Policy }}
  from:  {{ or .Old "nothing" }}
  to:    {{ .New }}
  why:   {{ .Reason }}
  files: {{ join .Files ", " }}
{{ end }}`

var defaultTemplate = msgtemplate.MustParse(DefaultMessageTemplate)

// parseTemplate parses a messageTemplate as the validating webhook does.
func parseTemplate(text string) (*msgtemplate.Template, error) {
	return msgtemplate.Parse(text)
}

// message renders the commit message with tmpl, or with the default
// template when tmpl is nil; when tmpl fails, it returns the default
// message and the error, so that a bad template delays no commit. A
// template runs within msgtemplate's limits: its output, its loops and
// what its functions make are bounded, whoever wrote it.
func message(tmpl *msgtemplate.Template, data MessageData) (string, error) {
	if tmpl == nil {
		tmpl = defaultTemplate
	}
	msg, err := render(tmpl, data)
	if err == nil {
		return msg, nil
	}
	msg, derr := render(defaultTemplate, data)
	if derr != nil {
		return "", fmt.Errorf("default message template: %w", derr)
	}
	return msg, fmt.Errorf("messageTemplate (the default message was used): %w", err)
}

func render(tmpl *msgtemplate.Template, data MessageData) (string, error) {
	out, err := tmpl.Execute(data)
	if err != nil {
		return "", err
	}
	msg := strings.TrimSpace(out)
	if msg == "" {
		return "", fmt.Errorf("the message is empty")
	}
	return msg + "\n", nil
}
