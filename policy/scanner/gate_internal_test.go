package scanner

import (
	"fmt"
	"testing"
	"time"
)

func TestGate(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g := newGate(4) // two per host, two for troubled hosts together
	a1, ok1 := g.enter("a")
	a2, ok2 := g.enter("a")
	if _, ok3 := g.enter("a"); !ok1 || !ok2 || ok3 {
		t.Fatalf("host a admitted %v %v %v, want two of three", ok1, ok2, ok3)
	}
	if _, ok := g.enter("b"); !ok {
		t.Fatal("host b refused while a holds its share")
	}
	g.leave(a1, true, now)
	g.leave(a2, true, now)

	// a and c are troubled now: together they get two workers.
	c, _ := g.enter("c")
	g.leave(c, true, now)
	t1, ok1 := g.enter("a")
	t2, ok2 := g.enter("c")
	if _, ok3 := g.enter("a"); !ok1 || !ok2 || ok3 {
		t.Fatalf("troubled hosts admitted %v %v %v, want two of three", ok1, ok2, ok3)
	}
	if _, ok := g.enter("d"); !ok {
		t.Fatal("a healthy host refused while troubled hosts hold their share")
	}
	g.leave(t1, false, now) // a answered in time: no longer troubled
	g.leave(t2, true, now)
	if tk, ok := g.enter("a"); !ok || tk.troubled {
		t.Errorf("a after a scan in time: admitted %v, troubled %v; want admitted as healthy", ok, tk.troubled)
	}
}

func TestGateForgetsOldestTroubled(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g := newGate(2)
	for i := range maxTroubled + 10 {
		tk, ok := g.enter(fmt.Sprintf("h%d", i))
		if !ok {
			t.Fatalf("host %d refused", i)
		}
		g.leave(tk, true, start.Add(time.Duration(i)*time.Second))
	}
	if len(g.troubled) != maxTroubled || len(g.busy) != 0 || g.troubledBusy != 0 {
		t.Fatalf("troubled %d, busy %d, troubledBusy %d; want %d, 0, 0", len(g.troubled), len(g.busy), g.troubledBusy, maxTroubled)
	}
	if _, ok := g.troubled["h0"]; ok {
		t.Error("the oldest troubled host was kept")
	}
}
