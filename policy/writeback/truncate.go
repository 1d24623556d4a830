package writeback

import "unicode/utf8"

// maxServerMessage bounds what a Git server's words add to a condition,
// an event or a log line (DESIGN.md, Limits): an error body of any size
// would otherwise make every status patch fail (the CRD allows 32 KiB per
// condition message) and flood the logs.
//
// Another change adds a shared helper for registry messages; this one is
// write-back's own until the two are merged.
const maxServerMessage = 1024

// cutMark ends a message that was cut.
const cutMark = "… (cut)"

// truncate returns s cut to at most max bytes, on a UTF-8 boundary, ending
// with cutMark when it was cut.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	n := max - len(cutMark)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + cutMark
}
