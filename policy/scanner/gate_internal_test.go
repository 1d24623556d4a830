package scanner

import (
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

func key(name string) types.NamespacedName { return types.NamespacedName{Namespace: "ns", Name: name} }

func TestGate(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g := newGate(4) // three per host, two for troubled hosts together
	var in []ticket
	for i := range 3 {
		tk, ok := g.enter("a", key(fmt.Sprint("a", i)))
		if !ok {
			t.Fatalf("host a refused scan %d of its three", i)
		}
		in = append(in, tk)
	}
	for range 2 { // one entry per policy on the waiting list
		if _, ok := g.enter("a", key("late")); ok {
			t.Fatal("host a admitted a fourth scan")
		}
	}
	if _, ok := g.enter("b", key("b")); !ok {
		t.Fatal("host b refused while a holds its share")
	}
	if woken, ok := g.leave(in[0], true, now); !ok || woken != key("late") {
		t.Errorf("leave woke %v %v, want the waiting policy", woken, ok)
	}
	if _, ok := g.leave(in[1], true, now); ok {
		t.Error("leave woke a policy that was woken before")
	}
	g.leave(in[2], true, now)

	// a and c are troubled now: together they get two workers.
	c, _ := g.enter("c", key("c"))
	g.leave(c, true, now)
	t1, ok1 := g.enter("a", key("a0"))
	t2, ok2 := g.enter("c", key("c"))
	if _, ok3 := g.enter("a", key("a1")); !ok1 || !ok2 || ok3 {
		t.Fatalf("troubled hosts admitted %v %v %v, want two of three", ok1, ok2, ok3)
	}
	if _, ok := g.enter("d", key("d")); !ok {
		t.Fatal("a healthy host refused while troubled hosts hold their share")
	}
	g.leave(t1, false, now) // a answered in time: no longer troubled
	g.leave(t2, true, now)
	if tk, ok := g.enter("a", key("a2")); !ok || tk.troubled {
		t.Errorf("a after a scan in time: admitted %v, troubled %v; want admitted as healthy", ok, tk.troubled)
	}
}

func TestGateForgetsOldestTroubled(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g := newGate(2)
	for i := range maxTroubled + 10 {
		tk, ok := g.enter(fmt.Sprintf("h%d", i), key("p"))
		if !ok {
			t.Fatalf("host %d refused", i)
		}
		g.leave(tk, true, start.Add(time.Duration(i)*time.Second))
	}
	if len(g.troubled) != maxTroubled || len(g.busy) != 0 || g.troubledBusy != 0 || len(g.waiting) != 0 {
		t.Fatalf("troubled %d, busy %d, troubledBusy %d, waiting %d; want %d, 0, 0, 0",
			len(g.troubled), len(g.busy), g.troubledBusy, len(g.waiting), maxTroubled)
	}
	if _, ok := g.troubled["h0"]; ok {
		t.Error("the oldest troubled host was kept")
	}
}

// TestGateWaitListStaysBounded lets one policy be refused and then get in
// by its retry, again and again, while the host is never left: its wait
// list keeps one live entry and does not grow.
func TestGateWaitListStaysBounded(t *testing.T) {
	g := newGate(2) // one per host
	hold, _ := g.enter("a", key("holder"))
	for range 1000 {
		if _, ok := g.enter("a", key("p")); ok {
			t.Fatal("admitted past the share")
		}
		g.waiting["a"].remove(key("p")) // as if admitted by its retry
	}
	if w := g.waiting["a"]; len(w.keys) > 20 || !w.empty() {
		t.Fatalf("wait list holds %d entries (%d live)", len(w.keys), len(w.in))
	}
	if _, ok := g.leave(hold, false, time.Now()); ok {
		t.Error("woke a policy that no longer waits")
	}
}
