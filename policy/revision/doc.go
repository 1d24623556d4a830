// Package revision decides which image the Pods of one workload revision
// are pinned to, so that a scale-up, an eviction or a node drain never
// deploys a version the revision did not start with.
//
// A revision is a ReplicaSet (one Deployment revision), a ControllerRevision
// of a StatefulSet or DaemonSet, or a Job. Its image for a governed
// repository is, in order:
//
//  1. the image recorded on the revision object itself (the
//     imagepin.dev/revision-images annotation, written once by imagepin's
//     revision recorder shortly after the revision appears), or
//  2. Choose: the newest value of the policy's status.current that had
//     settled (was current for at least Settle) when the revision was
//     created.
//
// Both are functions of data that every manager replica sees alike (the
// revision's creation time, the policy's append-only history), so every
// replica gives the same answer, before and after restarts, with no registry
// call and no API write. The package is pure: no Kubernetes client, no
// network.
package revision
