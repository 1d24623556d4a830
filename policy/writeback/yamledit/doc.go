// Package yamledit changes values in YAML files that people wrote, and
// nothing else: every byte outside the changed values stays as it was.
//
// Git write-back edits files that people own (a kustomization.yaml, a Helm
// values file). Re-encoding a YAML tree, even with a library that keeps
// comments such as kyaml, drops blank lines, re-indents sequences and moves
// comments, so a one-line change would become a diff of the whole file.
// Instead, a Doc parses the file with kyaml into nodes, finds the nodes to
// change by structure (never by text search), and splices new scalars in
// at the byte positions the parser reports for them; new keys and list
// entries are inserted as lines indented like their siblings. Edits that
// would need to touch anything else (anchors, tags, block scalars,
// multi-line flow collections) are refused with ErrUnsupported rather
// than guessed. Callers check the result with Verify, which parses it
// again and compares it, as data, with the intended change.
package yamledit
