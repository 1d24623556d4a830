// Package scan answers one question for one ImagePolicy spec: which tag of
// its repository is the latest allowed one, and what is its digest. It lists
// the tags through a Registry, picks with policy/selection and resolves the
// chosen tag with one digest lookup.
//
// `imagepin scan` calls it once per policy. The scanner calls it for every
// due policy with a Registry that shares tag lists and digests within a
// cycle, so policies that watch one repository cost one listing.
package scan
