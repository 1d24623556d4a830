package writeback

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// TestSecretWatchSchedulesFailingTargets: an event of a Secret schedules
// the targets whose last cycle failed with it, and no other: not those of
// another Secret, not one that works again, not a resync.
func TestSecretWatchSchedulesFailingTargets(t *testing.T) {
	failed := errors.New("authentication failed")
	w := newSecretWatch()
	w.observe("a", target{Secret: "ns/git"}, failed)
	w.observe("b", target{Secret: "ns/git"}, failed)
	w.observe("works-again", target{Secret: "ns/git"}, failed)
	w.observe("works-again", target{Secret: "ns/git"}, nil)
	w.observe("other-secret", target{Secret: "ns/other"}, failed)
	w.observe("other-namespace", target{Secret: "elsewhere/git"}, failed)
	w.observe("no-secret", target{}, failed)

	git := func(version string) *metav1.PartialObjectMetadata {
		return &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "git", ResourceVersion: version}}
	}
	h := w.handler()
	tests := map[string]struct {
		send func(queue)
		want []string
	}{
		"created": {
			send: func(q queue) {
				h.Create(t.Context(), event.TypedCreateEvent[*metav1.PartialObjectMetadata]{Object: git("1")}, q)
			},
			want: []string{"a", "b"},
		},
		"changed": {
			send: func(q queue) {
				h.Update(t.Context(), event.TypedUpdateEvent[*metav1.PartialObjectMetadata]{ObjectOld: git("1"), ObjectNew: git("2")}, q)
			},
			want: []string{"a", "b"},
		},
		"resync": {
			send: func(q queue) {
				h.Update(t.Context(), event.TypedUpdateEvent[*metav1.PartialObjectMetadata]{ObjectOld: git("2"), ObjectNew: git("2")}, q)
			},
		},
		"deleted": {
			send: func(q queue) {
				h.Delete(t.Context(), event.TypedDeleteEvent[*metav1.PartialObjectMetadata]{Object: git("2")}, q)
			},
			want: []string{"a", "b"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
			defer q.ShutDown()
			tc.send(q)
			if diff := cmp.Diff(tc.want, drain(q)); diff != "" {
				t.Errorf("scheduled targets (-want +got):\n%s", diff)
			}
		})
	}
}

// drain returns the names in q, sorted.
func drain(q queue) []string {
	var names []string
	for q.Len() > 0 {
		req, _ := q.Get()
		names = append(names, req.Name)
		q.Done(req)
	}
	slices.Sort(names)
	return names
}
