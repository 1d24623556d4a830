package writeback

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// debounced maps a policy event to its target's request, added after a
// delay. The queue keeps the earliest time of a key that is already waiting,
// so the policies that change within one delay share one cycle, and the
// first change waits at most one delay.
type debounced struct {
	delay time.Duration
}

type queue = workqueue.TypedRateLimitingInterface[reconcile.Request]

// Create covers start-up too: every policy is checked once, and a commit is
// made only if Git misses something.
func (d debounced) Create(_ context.Context, e event.TypedCreateEvent[client.Object], q queue) {
	d.add(e.Object, q)
}

// Update schedules the target when current, the spec, or the WrittenBack
// condition (lost to a concurrent status write) changed. Write-back's own
// status writes change none of them, so they do not schedule a cycle.
// A policy that moved to another target schedules the old one too: a cycle
// that finds no policy there removes its clone.
func (d debounced) Update(_ context.Context, e event.TypedUpdateEvent[client.Object], q queue) {
	old, oldOK := e.ObjectOld.(*v1alpha1.ImagePolicy)
	p, ok := e.ObjectNew.(*v1alpha1.ImagePolicy)
	if !ok || !oldOK {
		return
	}
	if needsWrite(old, p) {
		d.add(p, q)
	}
	if ot, had := targetOf(old); had {
		if nt, has := targetOf(p); !has || nt.key() != ot.key() {
			d.addKey(ot.key(), q)
		}
	}
}

// Delete schedules the policy's target: the markers of a deleted policy
// stay as they are, but a target that no policy uses any more loses its
// clone.
func (d debounced) Delete(_ context.Context, e event.TypedDeleteEvent[client.Object], q queue) {
	if p, ok := e.Object.(*v1alpha1.ImagePolicy); ok {
		if t, ok := targetOf(p); ok {
			d.addKey(t.key(), q)
		}
	}
}

// Generic schedules the object's target.
func (d debounced) Generic(_ context.Context, e event.TypedGenericEvent[client.Object], q queue) {
	d.add(e.Object, q)
}

func (d debounced) add(obj client.Object, q queue) {
	p, ok := obj.(*v1alpha1.ImagePolicy)
	if !ok || p.Status.Current == nil {
		return // nothing to write yet
	}
	if t, ok := targetOf(p); ok {
		d.addKey(t.key(), q)
	}
}

func (d debounced) addKey(key string, q queue) {
	q.AddAfter(reconcile.Request{NamespacedName: types.NamespacedName{Name: key}}, d.delay)
}

func needsWrite(old, p *v1alpha1.ImagePolicy) bool {
	if p.Status.Current == nil {
		return false
	}
	return old.Status.Current == nil || old.Status.Current.ImageRecord.Image != p.Status.Current.Image ||
		old.Status.Current.Source != p.Status.Current.Source || old.Generation != p.Generation ||
		meta.FindStatusCondition(p.Status.Conditions, v1alpha1.ConditionWrittenBack) == nil
}
