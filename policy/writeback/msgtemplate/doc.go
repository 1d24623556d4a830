// Package msgtemplate parses and runs the commit-message templates of Git
// write-back (spec.writeBack.git.messageTemplate) within fixed bounds.
//
// A messageTemplate is written by any policy author but runs in the
// manager, on the leader, for every commit of its repository: a template
// that asks for gigabytes or runs for hours would stop write-back for
// every namespace, on every restart. So a template runs with a bounded
// output (MaxOutput), bounded work (MaxSteps range iterations and template
// calls, MaxWork bytes made by functions), and with printf, print,
// println, html, js, urlquery and join replaced by versions that check
// what they are asked for before they allocate it.
//
// The validating webhook (package validation) and the write-back
// controller parse with the same Parse, so what one accepts the other runs.
package msgtemplate
