package marker

import (
	"regexp"
	"strings"

	yaml2 "go.yaml.in/yaml/v2"
	yaml3 "go.yaml.in/yaml/v3"
)

// unquote returns the value of a scalar as written with style.
func unquote(text string, style byte) string {
	if style == 0 || len(text) < 2 {
		return text
	}
	inner := text[1 : len(text)-1]
	if style == '\'' {
		return strings.ReplaceAll(inner, "''", "'")
	}
	var v string
	if yaml3.Unmarshal([]byte(text), &v) != nil {
		return inner
	}
	return v
}

// quote writes v in style. A plain scalar that would not read back as the
// same string (1.10 is a number, on a boolean to YAML 1.1 readers such as
// Helm's) is double-quoted instead: the value matters more than the style.
// v holds only the characters validValue accepts, so no escapes are needed.
func quote(v string, style byte) string {
	switch {
	case style == '\'':
		return "'" + v + "'"
	case style == '"' || !readsAsString(v):
		return `"` + v + `"`
	default:
		return v
	}
}

// timestamp matches what YAML 1.1 readers may take for a date.
var timestamp = regexp.MustCompile(`^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}`)

// readsAsString reports whether plain v reads as the string v to both YAML
// 1.2 (yaml.v3, kubectl) and YAML 1.1 (yaml.v2, Helm) readers.
func readsAsString(v string) bool {
	if timestamp.MatchString(v) {
		return false
	}
	var a any
	if err := yaml3.Unmarshal([]byte(v), &a); err != nil {
		return false
	}
	if s, ok := a.(string); !ok || s != v {
		return false
	}
	var b any
	if err := yaml2.Unmarshal([]byte(v), &b); err != nil {
		return false
	}
	s, ok := b.(string)
	return ok && s == v
}
