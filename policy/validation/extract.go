package validation

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// CheckExtract reports whether template, as used with regexp.Expand on a
// match of re, names at least one capture group and only groups that re has.
// regexp.Expand itself silently expands an unknown group to "", which would
// make every tag compare equal.
func CheckExtract(re *regexp.Regexp, template string) error {
	refs := extractRefs(template)
	if len(refs) == 0 {
		return errors.New("must name a capture group of pattern, as $name, ${name} or $1")
	}
	for _, ref := range refs {
		if !hasGroup(re, ref) {
			return fmt.Errorf("names group %q, which pattern does not have (groups: %s)", ref, groupList(re))
		}
	}
	return nil
}

// extractRefs lists the group references in template with regexp.Expand's
// syntax: $name or ${name}, where $$ is a literal dollar sign.
func extractRefs(template string) []string {
	var refs []string
	for i := 0; i < len(template); i++ {
		if template[i] != '$' || i+1 == len(template) {
			continue
		}
		rest := template[i+1:]
		switch {
		case rest[0] == '$':
			i++
		case rest[0] == '{':
			if end := strings.IndexByte(rest, '}'); end > 1 {
				refs = append(refs, rest[1:end])
				i += end + 1
			}
		default:
			n := 0
			for n < len(rest) && isNameByte(rest[n]) {
				n++
			}
			if n > 0 {
				refs = append(refs, rest[:n])
				i += n
			}
		}
	}
	return refs
}

func isNameByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func hasGroup(re *regexp.Regexp, ref string) bool {
	if n, err := strconv.Atoi(ref); err == nil {
		return n >= 1 && n <= re.NumSubexp()
	}
	return re.SubexpIndex(ref) > 0
}

func groupList(re *regexp.Regexp) string {
	var groups []string
	for i, n := range re.SubexpNames() {
		if i == 0 {
			continue
		}
		if n == "" {
			n = strconv.Itoa(i)
		}
		groups = append(groups, n)
	}
	if len(groups) == 0 {
		return "none"
	}
	return strings.Join(groups, ", ")
}
