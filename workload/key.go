package workload

import (
	"strings"
)

// Kind is the kind of a revision object.
type Kind string

// Revision kinds.
const (
	ReplicaSet         Kind = "ReplicaSet"
	ControllerRevision Kind = "ControllerRevision"
	Job                Kind = "Job"
)

// RevisionHashLabel is the label with which StatefulSets and DaemonSets
// mark the ControllerRevision of each of their Pods.
const RevisionHashLabel = "controller-revision-hash"

// Owner is the controlling owner reference of a Pod.
type Owner struct {
	APIVersion string
	Kind       string
	Name       string
}

// Key names a revision object in a Pod's namespace. For a ControllerRevision
// it holds up to two candidate names (Names), since StatefulSets label their
// Pods with the revision's name and DaemonSets with its hash alone.
type Key struct {
	Kind  Kind
	Names []string
}

// RevisionOf returns the revision of a Pod controlled by owner with the
// given labels, or false for a Pod without one: a bare Pod, or one whose
// controller imagepin does not know (its Pods get status.current).
func RevisionOf(owner Owner, labels map[string]string) (Key, bool) {
	if owner.Name == "" {
		return Key{}, false
	}
	switch owner.APIVersion + " " + owner.Kind {
	case "apps/v1 ReplicaSet":
		return Key{Kind: ReplicaSet, Names: []string{owner.Name}}, true
	case "batch/v1 Job":
		return Key{Kind: Job, Names: []string{owner.Name}}, true
	case "apps/v1 StatefulSet", "apps/v1 DaemonSet":
		hash := labels[RevisionHashLabel]
		if hash == "" {
			return Key{}, false
		}
		if strings.HasPrefix(hash, owner.Name+"-") { // a StatefulSet's label is the revision's name
			return Key{Kind: ControllerRevision, Names: []string{hash, owner.Name + "-" + hash}}, true
		}
		return Key{Kind: ControllerRevision, Names: []string{owner.Name + "-" + hash, hash}}, true
	}
	return Key{}, false
}
