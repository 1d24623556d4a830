// Package marker rewrites the image references that marker comments point
// at in YAML files. It is the pure heart of Git write-back: the writer feeds
// it the files of a branch and the images that policies chose, and commits
// what it returns.
//
// A marker is a comment on the line of a YAML scalar:
//
//	image: ghcr.io/org/app:1.0.0@sha256:… # {"$imagepin": "apps:app"}
//	tag: "1.0.0" # {"$imagepin": "apps:app:tag"}
//
// "<namespace>:<policy>" writes the policy's full image (repository:tag@digest);
// the suffixes :tag, :digest and :name write one part (name is the repository).
// Flux's {"$imagepolicy": …} markers are read the same way, so that Flux users
// can move over without editing their files.
//
// Only the scalar on a marker's line changes, keeping its quoting style
// unless the new value would no longer read as a string; every other byte
// of the file is kept as it was. The package works on text, not on a parsed
// YAML tree, because a parse-and-print round trip reformats files.
package marker
