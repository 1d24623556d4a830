package yamledit

import (
	"fmt"
	"regexp"
	"strings"

	yaml2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// validValue accepts the characters of image references, tags, digests and
// key names: anything else would need escapes, and is not an image.
func validValue(v string) error {
	if v == "" || len(v) > 1024 {
		return fmt.Errorf("%q is not a value imagepin writes", v)
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("._-/:@+", c) >= 0:
		default:
			return fmt.Errorf("%q is not a value imagepin writes", v)
		}
	}
	return nil
}

// quote writes v in the style of the value it replaces. A plain scalar that
// would not read back as the string v (1.10 is a number; on is a boolean
// to YAML 1.1 readers such as Helm) is double-quoted: the value matters
// more than the style. v passed validValue, so no escapes are needed.
func quote(v string, style yaml.Style) string {
	switch {
	case style&yaml.SingleQuotedStyle != 0:
		return "'" + v + "'"
	case style&yaml.DoubleQuotedStyle != 0 || !readsAsString(v):
		return `"` + v + `"`
	}
	return v
}

// timestamp matches what YAML 1.1 readers may take for a date.
var timestamp = regexp.MustCompile(`^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}`)

// readsAsString reports whether plain v reads as the string v to YAML 1.2
// (kyaml, kubectl) and YAML 1.1 (Helm) readers alike.
func readsAsString(v string) bool {
	if timestamp.MatchString(v) || strings.HasPrefix(v, "-") || strings.Contains(v, ": ") {
		return false
	}
	var a any
	if err := yaml.Unmarshal([]byte(v), &a); err != nil {
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
