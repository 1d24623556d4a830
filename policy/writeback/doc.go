// Package writeback is the Git write-back controller: it records every
// change of an ImagePolicy's status.current in the Git repository named by
// spec.writeBack.git, by rewriting marker comments (package marker) and
// the files its targets name without markers (packages kustomize,
// helmvalues and argocd), and committing and pushing the result (package
// gitrepo) to the branch, or to the review branch pushBranch.
//
// The scanner moves status.current; this controller watches policies and
// groups them by target: repository URL, branch, credentials Secret and
// push branch.
// A change of a policy schedules its target after a short debounce, so that
// policies that change in one scan cycle land in one commit. A cycle lists
// every policy of the target, writes all their markers and targets in one
// commit (a policy whole or not at all: one whose target fails is left
// out, the others are written), and records the outcome in each policy's
// status.writeBack and WrittenBack condition, in events and in metrics. It runs beside the scanner, under
// leader election: a failing repository never holds up scanning or the
// webhook, which read only status.current.
//
// A target whose cycle failed is tried again with backoff, and at once
// when its credentials Secret changes (a watch of Secrets' metadata), so
// that a fixed Secret takes effect within seconds.
//
// A cycle writes the desired state, not a diff, so repeating it changes
// nothing: there is no commit when Git already holds every image, after a
// restart too, and a push refused because someone else pushed is retried
// on the new head without applying anything twice.
package writeback
