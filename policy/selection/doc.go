// Package selection decides which tag of a repository an ImagePolicy allows
// and which of those is the latest.
//
// It sits between the registry and the policy status: the scanner lists a
// repository's tags through the resolver, hands them to a Selector built from
// the policy's spec.select and spec.filterTags, and resolves only the tag that
// Latest returns to a digest. The scanner also uses Compare so that a scan
// alone never moves status.current to an older tag; `imagepin scan` uses the
// same Selector, so the CLI and the controller cannot disagree.
//
// New is the single place where API types become behaviour: semver ranges and
// regular expressions are parsed once there, and a Selector is immutable and
// safe for concurrent use. The package is pure: no network, no Kubernetes
// client, no logging; it only returns errors, NoMatchError among them.
package selection
