// Package helmvalues sets the image keys of a Helm values file, named by
// dotted paths such as image.tag, for Git write-back targets of kind
// helmValues. Only the named scalars change; every other byte of the file
// stays as it was (package yamledit).
package helmvalues
