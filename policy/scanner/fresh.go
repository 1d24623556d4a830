package scanner

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
)

// freshness says which shared registry answers a scan may use. A scheduled
// scan takes any answer within the share window, and any answer fetched
// since it was due: however long a cycle takes (a registry's rate limit, a
// fleet of thousands of policies), the policies due in it share one listing
// per repository and one digest lookup per tag. A scan of a spec the
// scanner has not decided yet (a new policy, an edit) takes only answers
// fetched after the scanner saw that spec: a tag deleted upstream just
// before a policy was created must not be chosen from an older listing,
// after which "never older on a scan alone" would keep it. Such a scan is
// due from that moment, so the first cycle of a fleet (every policy new
// after an apply or a status reset) shares its answers however long it
// takes. A scan request (see scanrequest) fetches afresh once per request
// value.
type freshness struct {
	request string    // the scan request carried, or ""
	since   time.Time // answers must have been fetched from then on; zero: any
	due     time.Time // answers fetched from then on serve beyond the window; zero: none
}

// specTimes remembers when the scanner first saw each policy's undecided
// generation. Entries go when the generation is decided or the policy is
// deleted, so there is at most one per policy.
type specTimes struct {
	now func() time.Time

	mu   sync.Mutex
	seen map[types.NamespacedName]specSeen
}

type specSeen struct {
	generation int64
	at         time.Time
}

func newSpecTimes(now func() time.Time) *specTimes {
	return &specTimes{now: now, seen: map[types.NamespacedName]specSeen{}}
}

// note records that generation of key is seen now, unless it was before.
func (s *specTimes) note(key types.NamespacedName, generation int64) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.seen[key]; ok && old.generation == generation {
		return old.at
	}
	at := s.now()
	s.seen[key] = specSeen{generation: generation, at: at}
	return at
}

// forget drops key, once its generation is decided or it is gone.
func (s *specTimes) forget(key types.NamespacedName) {
	s.mu.Lock()
	delete(s.seen, key)
	s.mu.Unlock()
}

// recorder is a predicate that lets every event through and notes when
// each new generation of a policy arrives: the start of its freshness.
// Noting it on arrival, not when a worker gets to it, lets the policies of
// a burst (an apply of many policies, a restart) share the listings
// fetched after all of them arrived.
func (s *specTimes) recorder() predicate.Funcs {
	return predicate.Funcs{
		CreateFunc: func(e event.CreateEvent) bool {
			s.note(keyOf(e.Object), e.Object.GetGeneration())
			return true
		},
		UpdateFunc: func(e event.UpdateEvent) bool {
			if e.ObjectOld.GetGeneration() != e.ObjectNew.GetGeneration() {
				s.note(keyOf(e.ObjectNew), e.ObjectNew.GetGeneration())
			}
			return true
		},
		DeleteFunc: func(e event.DeleteEvent) bool {
			s.forget(keyOf(e.Object))
			return true
		},
	}
}

func keyOf(o client.Object) types.NamespacedName {
	return types.NamespacedName{Namespace: o.GetNamespace(), Name: o.GetName()}
}
