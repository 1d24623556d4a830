package truncate

import (
	"strconv"
	"unicode/utf8"
)

// Limit is the size in bytes that Message cuts to: the limit of an Event's
// note, and small enough for conditions, logs and admission warnings.
const Limit = 1024

// Message returns s cut to at most Limit bytes; see String.
func Message(s string) string {
	return String(s, Limit)
}

// String returns s unchanged when it fits in max bytes. Otherwise it returns
// a prefix of s, cut on a UTF-8 character boundary, followed by a marker
// saying how many bytes were dropped, all within max bytes. A max too small
// for any marker yields a plain prefix.
func String(s string, max int) string {
	if len(s) <= max {
		return s
	}
	if max <= 0 {
		return ""
	}
	marker := " … [" + strconv.Itoa(len(s)) + " bytes, cut]"
	keep := max - len(marker)
	if keep <= 0 {
		return prefix(s, max)
	}
	return prefix(s, keep) + marker
}

// prefix returns the longest prefix of s of at most n bytes that does not
// end inside a UTF-8 encoded character.
func prefix(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
