package writeback

import (
	"context"
	"strings"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"
)

// secretWatch makes a fixed credentials Secret take effect within seconds,
// rather than at the failing target's next retry (whose backoff grows to
// minutes) or at the resync.
//
// Secrets are watched by their metadata, in the manager's metadata cache
// (package metawatch), whose one watch of Secrets also feeds the scanner:
// an event says that a Secret changed, and the cycle reads it with a GET,
// as always. Only targets whose last cycle failed are scheduled by an
// event: a working target reads its Secret on every cycle anyway, so a
// rotated token does not make a cycle of its own.
type secretWatch struct {
	mu      sync.Mutex
	failing map[string]types.NamespacedName // target key → its Secret
}

func newSecretWatch() *secretWatch {
	return &secretWatch{failing: map[string]types.NamespacedName{}}
}

// observe records the outcome of a cycle of the target key: a failed one
// makes its Secret's changes schedule the target; a successful one, or a
// target with nothing to write, ends that.
func (w *secretWatch) observe(key string, t target, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err == nil || t.Secret == "" {
		delete(w.failing, key)
		return
	}
	ns, name, _ := strings.Cut(t.Secret, "/")
	w.failing[key] = types.NamespacedName{Namespace: ns, Name: name}
}

// failingWith returns the requests of the failing targets that use Secret s.
func (w *secretWatch) failingWith(s *metav1.PartialObjectMetadata) []reconcile.Request {
	w.mu.Lock()
	defer w.mu.Unlock()
	var reqs []reconcile.Request
	for key, name := range w.failing {
		if name.Namespace == s.Namespace && name.Name == s.Name {
			reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Name: key}})
		}
	}
	return reqs
}

type secretEvents = handler.TypedFuncs[*metav1.PartialObjectMetadata, reconcile.Request]

// MetadataWatch hands out the events of the objects of a core kind, such
// as "Secret", seen by their metadata alone: a *metawatch.Cache.
type MetadataWatch interface {
	Source(kind string, h handler.TypedEventHandler[*metav1.PartialObjectMetadata, reconcile.Request]) source.Source
}

// handler schedules at once, without debounce, the failing targets of a
// Secret that was created, changed (a new resourceVersion, not a resync)
// or deleted: a deletion does not fix a target, but its condition should
// say SecretNotFound rather than what the old Secret caused.
func (w *secretWatch) handler() secretEvents {
	add := func(s *metav1.PartialObjectMetadata, q queue) {
		for _, req := range w.failingWith(s) {
			q.Add(req)
		}
	}
	return secretEvents{
		CreateFunc: func(_ context.Context, e event.TypedCreateEvent[*metav1.PartialObjectMetadata], q queue) {
			add(e.Object, q)
		},
		UpdateFunc: func(_ context.Context, e event.TypedUpdateEvent[*metav1.PartialObjectMetadata], q queue) {
			if e.ObjectOld.ResourceVersion != e.ObjectNew.ResourceVersion {
				add(e.ObjectNew, q)
			}
		},
		DeleteFunc: func(_ context.Context, e event.TypedDeleteEvent[*metav1.PartialObjectMetadata], q queue) {
			add(e.Object, q)
		},
	}
}
