package msgtemplate

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"
)

// errTooLong is a result that would pass its limit; the budget tells which.
var errTooLong = errors.New("too long")

// sprintf is fmt.Sprintf that stops at limit bytes. It formats one verb at
// a time, after checking its width and precision, so that no single call
// of fmt can be asked for more than MaxWidth bytes of padding. Widths and
// precisions from arguments (*) and argument indexes ([n]) are refused.
func sprintf(limit int, format string, args []any) (string, error) {
	var b strings.Builder
	add := func(s string) error {
		if b.Len()+len(s) > limit {
			return errTooLong
		}
		b.WriteString(s)
		return nil
	}
	next := 0
	for format != "" {
		i := strings.IndexByte(format, '%')
		if i < 0 {
			i = len(format)
		}
		if err := add(format[:i]); err != nil {
			return "", err
		}
		if format = format[i:]; format == "" {
			break
		}
		v, err := parseVerb(format)
		if err != nil {
			return "", err
		}
		format = format[len(v.spec):]
		if err := add(v.format(args, &next)); err != nil {
			return "", err
		}
	}
	if next < len(args) {
		if err := add(extra(args[next:])); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// extra is what fmt appends for arguments that no verb used.
func extra(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = "<nil>"
		if a != nil {
			parts[i] = fmt.Sprintf("%T=%v", a, a)
		}
	}
	return "%!(EXTRA " + strings.Join(parts, ", ") + ")"
}

// verb is one formatting directive of a printf format.
type verb struct {
	spec   string // "%", flags, width, precision and the verb
	verb   rune
	noVerb bool // the format ends before the verb
}

// format formats the verb with the next argument, as fmt.Sprintf would.
func (v verb) format(args []any, next *int) string {
	switch {
	case v.verb == '%': // takes no argument, ignores width and precision
		return "%"
	case v.noVerb:
		return "%!(NOVERB)"
	case *next >= len(args):
		return "%!" + string(v.verb) + "(MISSING)"
	}
	*next++
	return fmt.Sprintf(v.spec, args[*next-1])
}

// parseVerb reads the directive at the start of s, which starts with '%',
// as fmt reads it: flags, width, precision (a '.' that is not the last
// byte) and the verb.
func parseVerb(s string) (verb, error) {
	i := 1
	for i < len(s) && strings.IndexByte("+-# 0", s[i]) >= 0 {
		i++
	}
	i, err := number(s, i, "width")
	if err != nil {
		return verb{}, err
	}
	if i+1 < len(s) && s[i] == '.' {
		if i, err = number(s, i+1, "precision"); err != nil {
			return verb{}, err
		}
	}
	if i < len(s) && s[i] == '[' {
		return verb{}, unsupported(s[:i+1])
	}
	if i >= len(s) {
		return verb{spec: s, noVerb: true}, nil
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	return verb{spec: s[:i+size], verb: r}, nil
}

// number skips the digits of a width or precision at s[i:] and checks
// their value.
func number(s string, i int, what string) (int, error) {
	if i < len(s) && (s[i] == '*' || s[i] == '[') {
		return i, unsupported(s[:i+1])
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if digits := s[start:i]; len(digits) > 4 || digits != "" && atoi(digits) > MaxWidth {
		if len(digits) > 12 {
			digits = digits[:12] + "…"
		}
		return i, fmt.Errorf("%w: %s %s is over %d", ErrLimit, what, digits, MaxWidth)
	}
	return i, nil
}

func unsupported(directive string) error {
	return fmt.Errorf("%q: widths and precisions from the arguments (*) and argument indexes ([n]) are not supported", directive)
}

// atoi reads at most four digits.
func atoi(digits string) int {
	n := 0
	for _, d := range digits {
		n = n*10 + int(d-'0')
	}
	return n
}

// sprint is fmt.Sprint (or fmt.Sprintln) that stops at limit bytes: it
// formats one argument at a time.
func sprint(limit int, args []any, ln bool) (string, error) {
	var b strings.Builder
	for i, a := range args {
		s := fmt.Sprint(a)
		if i > 0 && (ln || !isString(a) && !isString(args[i-1])) {
			s = " " + s
		}
		if b.Len()+len(s) > limit {
			return "", errTooLong
		}
		b.WriteString(s)
	}
	if ln {
		if b.Len()+1 > limit {
			return "", errTooLong
		}
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// isString is fmt's test for the spaces of Sprint: an operand whose
// dynamic type is a string kind.
func isString(a any) bool {
	return a != nil && reflect.TypeOf(a).Kind() == reflect.String
}
