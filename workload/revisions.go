package workload

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/revision"
)

// Revision is what imagepin reads of a revision object.
type Revision struct {
	// Created is the revision's creationTimestamp.
	Created time.Time
	// Record is its imagepin.dev/revision-images annotation, parsed:
	// repository → image. Nil when absent or unreadable.
	Record map[string]string
}

// Revisions looks up revision objects in a cache that holds them (the
// manager's, with CacheByObject and StartInformers).
type Revisions struct {
	reader client.Reader
}

// NewRevisions returns a lookup over reader.
func NewRevisions(reader client.Reader) *Revisions {
	return &Revisions{reader: reader}
}

// Revision returns the revision named by key in namespace. found is false
// when the cache does not hold it (yet): the Pod's controller may have
// created it an instant ago.
func (r *Revisions) Revision(ctx context.Context, namespace string, key Key) (rev Revision, found bool, err error) {
	for _, name := range key.Names {
		obj := NewObject(key.Kind)
		if obj == nil {
			return Revision{}, false, fmt.Errorf("unknown revision kind %q", key.Kind)
		}
		err := r.reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, obj)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return Revision{}, false, fmt.Errorf("read %s %s/%s: %w", key.Kind, namespace, name, err)
		}
		return Revision{
			Created: obj.GetCreationTimestamp().Time,
			Record:  revision.ParseRecord(obj.GetAnnotations()[v1alpha1.RevisionImagesAnnotation]),
		}, true, nil
	}
	return Revision{}, false, nil
}

// Kinds lists the kinds of revision objects.
func Kinds() []Kind { return []Kind{ReplicaSet, ControllerRevision, Job} }

// NewObject returns an empty object of kind, or nil for an unknown kind.
func NewObject(k Kind) client.Object {
	switch k {
	case ReplicaSet:
		return &appsv1.ReplicaSet{}
	case ControllerRevision:
		return &appsv1.ControllerRevision{}
	case Job:
		return &batchv1.Job{}
	}
	return nil
}

// NewList returns an empty list of kind, or nil for an unknown kind.
func NewList(k Kind) client.ObjectList {
	switch k {
	case ReplicaSet:
		return &appsv1.ReplicaSetList{}
	case ControllerRevision:
		return &appsv1.ControllerRevisionList{}
	case Job:
		return &batchv1.JobList{}
	}
	return nil
}

// Items returns the objects of a list made by NewList.
func Items(list client.ObjectList) []client.Object {
	var out []client.Object
	switch l := list.(type) {
	case *appsv1.ReplicaSetList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *appsv1.ControllerRevisionList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *batchv1.JobList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	}
	return out
}
