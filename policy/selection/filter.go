package selection

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// extractRef finds the group references of a regexp.Expand template:
// $$ (a literal dollar, no group), ${name} and $name, where a name is
// letters, digits and underscores as regexp.Expand reads it.
var extractRef = regexp.MustCompile(`\$(?:\$|\{([\p{L}\p{Nd}_]+)\}|([\p{L}\p{Nd}_]+))`)

// filter is filterTags compiled: which tags are considered and what value of
// each is compared. The zero filter considers every tag as itself.
type filter struct {
	pattern *regexp.Regexp
	extract string
	exclude []*regexp.Regexp
}

// newFilter compiles spec. keepExtract is false for strategies that compare
// the tag itself (tag), which then ignore extract once it has been checked.
func newFilter(spec *v1alpha1.TagFilter, keepExtract bool) (filter, error) {
	var f filter
	if spec == nil {
		return f, nil
	}
	if spec.Pattern != "" {
		re, err := regexp.Compile(spec.Pattern)
		if err != nil {
			return f, fmt.Errorf("filterTags.pattern: %w", err)
		}
		f.pattern = re
	}
	if spec.Extract != "" {
		if f.pattern == nil {
			return f, errors.New("filterTags.extract needs filterTags.pattern: it names capture groups of pattern")
		}
		if err := CheckExtract(f.pattern, spec.Extract); err != nil {
			return f, fmt.Errorf("filterTags.extract %q: %w", spec.Extract, err)
		}
		if keepExtract {
			f.extract = spec.Extract
		}
	}
	for i, expr := range spec.Exclude {
		re, err := regexp.Compile(expr)
		if err != nil {
			return f, fmt.Errorf("filterTags.exclude[%d]: %w", i, err)
		}
		f.exclude = append(f.exclude, re)
	}
	return f, nil
}

// value returns the value of tag that the strategy compares, and false when
// the filter drops the tag.
func (f *filter) value(tag string) (string, bool) {
	for _, re := range f.exclude {
		if re.MatchString(tag) {
			return "", false
		}
	}
	if f.pattern == nil {
		return tag, true
	}
	if f.extract == "" {
		return tag, f.pattern.MatchString(tag)
	}
	m := f.pattern.FindStringSubmatchIndex(tag)
	if m == nil {
		return "", false
	}
	return string(f.pattern.ExpandString(nil, f.extract, tag, m)), true
}

// why explains why value dropped tag.
func (f *filter) why(tag string) error {
	for _, re := range f.exclude {
		if re.MatchString(tag) {
			return fmt.Errorf("tag %q matches exclude %#q: %w", tag, re, ErrFilteredOut)
		}
	}
	return fmt.Errorf("tag %q does not match pattern %#q: %w", tag, f.pattern, ErrFilteredOut)
}

// String describes the filter for NoMatchError, or is empty without one.
func (f *filter) String() string {
	var parts []string
	if f.pattern != nil {
		parts = append(parts, fmt.Sprintf("pattern %#q", f.pattern))
	}
	if f.extract != "" {
		parts = append(parts, fmt.Sprintf("extract %#q", f.extract))
	}
	if n := len(f.exclude); n > 0 {
		parts = append(parts, plural(n, "exclude pattern"))
	}
	if len(parts) == 0 {
		return ""
	}
	return "filterTags (" + strings.Join(parts, ", ") + ")"
}

// CheckExtract rejects a template that names no group or a group that re
// lacks: regexp.Expand would silently expand it to "", and every tag would
// then compare equal. policy/validation uses it to reject such a policy at
// apply time.
func CheckExtract(re *regexp.Regexp, template string) error {
	refs := 0
	for _, m := range extractRef.FindAllStringSubmatch(template, -1) {
		name := m[1] + m[2]
		if name == "" {
			continue // $$
		}
		refs++
		if !hasGroup(re, name) {
			return fmt.Errorf("names group %q, which pattern %#q does not have", name, re)
		}
	}
	if refs == 0 {
		return errors.New("must name a capture group of pattern, as $name, ${name} or $1")
	}
	return nil
}

// hasGroup follows regexp.Expand: a name of digits without a leading zero is
// a group number ($0 is the whole match), anything else a group name.
func hasGroup(re *regexp.Regexp, name string) bool {
	if n, err := strconv.Atoi(name); err == nil && (name[0] != '0' || len(name) == 1) {
		return n <= re.NumSubexp()
	}
	return re.SubexpIndex(name) >= 0
}
