// Package scanner is the ImagePolicy controller. On each policy's cron
// schedule (with a small jitter), or at once when its spec changes, it scans
// the registry through policy/scan, resolves spec.pin, decides what
// status.current is — never older on a scan alone; older only after an edit,
// which is what rollback is — and records the outcome in the policy's status,
// conditions, events and metrics. The status is imagepin's only state.
//
// Registry work is shared: policies that watch one repository with the same
// credentials within a short window use one tag listing and one digest
// lookup per chosen tag. Credentials come only from Secrets in the policy's
// own namespace. The controller runs under leader election.
package scanner
