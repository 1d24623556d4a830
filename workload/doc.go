// Package workload is what imagepin knows of the objects that create Pods:
// which revision a Pod belongs to (a ReplicaSet, a ControllerRevision of a
// StatefulSet or DaemonSet, a Job), when that revision was created, the
// image record imagepin keeps on it, and the images of Pod templates.
//
// Revisions are read from the manager's informer cache, which holds them
// stripped (Strip) to the few fields imagepin reads, so the cache costs a
// few hundred bytes per revision on every replica and the admission path
// never calls the API server.
package workload
