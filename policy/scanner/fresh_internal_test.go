package scanner

import (
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/resolver"
)

// TestFirstCycleSharesBeyondWindow: the scans of new policies that arrived
// together share one listing however long after the window they run (the
// first cycle of a fleet); a policy that arrives after the listing was
// fetched, and the retry of a failed scan, fetch afresh.
func TestFirstCycleSharesBeyondWindow(t *testing.T) {
	clock, advance := fakeClock()
	reg := &slowRegistry{}
	r := &Reconciler{shared: newShared(reg, 30*time.Second, clock), specs: newSpecTimes(clock), next: newNextScans()}
	repo, _ := name.NewRepository("example.com/app")
	newPolicy := func(n string) (types.NamespacedName, *v1alpha1.ImagePolicy) {
		p := &v1alpha1.ImagePolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: n, Generation: 1}}
		key := types.NamespacedName{Namespace: "team", Name: n}
		r.specs.note(key, p.Generation) // as the predicate does on arrival
		return key, p
	}
	scan := func(key types.NamespacedName, p *v1alpha1.ImagePolicy) {
		t.Helper()
		f := r.freshnessOf(key, p, clock())
		if _, err := r.shared.view("alice", f).ListTags(t.Context(), repo, resolver.Access{}); err != nil {
			t.Fatal(err)
		}
	}
	var keys []types.NamespacedName
	var policies []*v1alpha1.ImagePolicy
	for _, n := range []string{"a", "b", "c", "d"} {
		k, p := newPolicy(n)
		keys, policies = append(keys, k), append(policies, p)
	}
	advance(10 * time.Second)
	scan(keys[0], policies[0])
	for i := 1; i < len(keys); i++ { // minutes apart: far beyond the window
		advance(3 * time.Minute)
		scan(keys[i], policies[i])
	}
	if n := reg.lists.Load(); n != 1 {
		t.Errorf("listings = %d for 4 new policies scanned over 9 minutes, want 1", n)
	}

	late, p := newPolicy("late") // seen after the listing was fetched
	scan(late, p)
	if n := reg.lists.Load(); n != 2 {
		t.Errorf("listings = %d, want 2: a policy seen after the fetch takes nothing older", n)
	}

	// A failed scan of "a" is retried at its backoff: past the window, the
	// listing it failed on is not taken again.
	r.next.set(keys[0], clock().Add(40*time.Second))
	advance(41 * time.Second)
	scan(keys[0], policies[0])
	if n := reg.lists.Load(); n != 3 {
		t.Errorf("listings = %d, want 3: a retry fetches afresh", n)
	}
}
