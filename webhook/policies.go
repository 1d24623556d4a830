package webhook

import (
	"context"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/imagepin/imagepin/policy/governing"
	"github.com/imagepin/imagepin/workload"
)

// PolicyLookup finds the ImagePolicy of a namespace that governs a
// repository. It must answer from memory: it runs on every admission.
// *governing.Memory and *governing.Policies implement it.
type PolicyLookup interface {
	Lookup(ctx context.Context, namespace string, repo name.Repository) (governing.Policy, bool, error)
}

// RevisionLookup finds the revision object (ReplicaSet, ControllerRevision,
// Job) that a Pod belongs to. It must answer from memory.
// *workload.Revisions implements it.
type RevisionLookup interface {
	Revision(ctx context.Context, namespace string, key workload.Key) (workload.Revision, bool, error)
}
