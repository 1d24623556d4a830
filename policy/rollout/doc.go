// Package rollout rolls a change of an ImagePolicy's status.current out to
// the workloads that run its repository, through each workload's own update
// strategy (spec.rollout.strategy Restart).
//
// The webhook pins every Pod of one workload revision to one image (package
// revision), so a new current reaches a Deployment, StatefulSet or
// DaemonSet only through a new revision. This controller makes one: it sets
// the Pod-template annotation imagepin.dev/rollout through server-side
// apply with field manager "imagepin", owning that one field, never an
// image. The annotation's value is a function of the digests the new
// revision runs (revision.RolloutValue), so:
//
//   - a workload whose template already carries the value is not restarted
//     again, whatever restarts, leader changes or resyncs happen: rollouts
//     are idempotent;
//   - rolling back to earlier digests brings back the earlier template, and
//     the Deployment controller scales the old ReplicaSet back up.
//
// A rollout starts revision.RolloutDelay after current changed, so that the
// new revision is created after the change has settled for the webhook on
// every replica. status.rollout records what was started; a change with
// nothing to restart (the namespace does not opt in, no pinned workload
// uses the repository) writes nothing. It runs on the elected leader.
package rollout
