// Package scanner is the ImagePolicy controller. On each policy's cron
// schedule (with a small jitter), or at once when its spec changes, it scans
// the registry through policy/scan, resolves spec.pin, decides what
// status.current is — never older on a scan alone; older only after an edit,
// which is what rollback is — and records the outcome in the policy's status,
// conditions, events and metrics. The status is imagepin's only state.
//
// Registry work is shared: policies that watch one repository with the same
// credentials within a short window use one tag listing and one digest
// lookup per chosen tag; a scan of a spec not yet decided uses only answers
// fetched after the scanner saw it. Credentials come only from Secrets in
// the policy's own namespace, whose metadata is watched so that a fixed
// Secret is picked up at once. The controller runs under leader election.
//
// No registry can stop the scans of others: each scan has a deadline, one
// registry host gets all workers but one at most (see gate), and whatever a
// registry says is cut to 1 KiB before it reaches a condition, an event or
// the log.
package scanner
