// Package recorder writes, once, onto every workload revision (ReplicaSet,
// ControllerRevision, Job) of an opt-in namespace, the image each of its
// governed repositories is pinned to: the imagepin.dev/revision-images
// annotation.
//
// The webhook could answer from the revision's creation time and the
// policy's history alone (package revision), but the history keeps only the
// last values of current; a revision that lives longer than that — a
// Deployment under strategy None whose policy follows a busy mutable tag —
// would lose its answer. The record, written within seconds of the revision
// appearing and with the same answer the webhook gives, keeps it for the
// revision's whole life, on every replica and across restarts. The recorder
// runs on the elected leader; it reads everything from the informer cache
// and writes only revisions that lack an entry.
package recorder
