package scanner_test

import (
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/internal/testenv/registry"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/scanner"
)

// TestFollowsNewTagsAndRollsBack walks a policy through its life: new tags
// move current, a pin rolls back (tag, then digest), unpinning returns to the
// latest, a narrowed range moves back, and a tag deleted upstream does not.
func TestFollowsNewTagsAndRollsBack(t *testing.T) {
	ns, reg := namespace(t), registry.NewInProcess(t)
	d := reg.Push(t, "team/app", "1.0.0", "1.1.0", "2.0.0", "not-semver")
	startScanner(t, ns, newResolver(t), scannerOpts{})
	p := semverPolicy(ns, "app", reg.Repo("team/app"), "^1")
	if err := cl.Create(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, "current 1.1.0", currentIs("1.1.0", d["1.1.0"], v1alpha1.SourceScan))
	if want := reg.Repo("team/app") + ":1.1.0@" + d["1.1.0"]; p.Status.Current.Image != want {
		t.Errorf("current.image = %s, want %s", p.Status.Current.Image, want)
	}
	if c := condition(p, v1alpha1.ConditionReady); c.Status != "True" {
		t.Errorf("Ready = %+v, want True", c)
	}
	if s := p.Status.LastScan; s == nil || s.TagCount != 4 || s.Requests == 0 || s.Duration.Duration == 0 || p.Status.NextScanAt == nil {
		t.Errorf("lastScan = %+v nextScanAt = %v, want 4 tags, requests, a duration and a next scan", s, p.Status.NextScanAt)
	}

	d["1.2.0"] = reg.Push(t, "team/app", "1.2.0")["1.2.0"]
	waitFor(t, p, "current 1.2.0 after a push", currentIs("1.2.0", d["1.2.0"], v1alpha1.SourceScan))

	edit(t, p, func(p *v1alpha1.ImagePolicy) { p.Spec.Pin = &v1alpha1.Pin{Tag: "1.0.0"} })
	waitFor(t, p, "pinned 1.0.0", currentIs("1.0.0", d["1.0.0"], v1alpha1.SourcePin))
	if p.Status.Latest.Tag != "1.2.0" {
		t.Errorf("latest = %s while pinned, want scanning to go on (1.2.0)", p.Status.Latest.Tag)
	}

	edit(t, p, func(p *v1alpha1.ImagePolicy) { p.Spec.Pin = &v1alpha1.Pin{Digest: d["1.1.0"]} })
	waitFor(t, p, "pinned digest of 1.1.0", currentIs("", d["1.1.0"], v1alpha1.SourcePin))

	edit(t, p, func(p *v1alpha1.ImagePolicy) { p.Spec.Pin = nil })
	waitFor(t, p, "back to 1.2.0 after unpinning", currentIs("1.2.0", d["1.2.0"], v1alpha1.SourceScan))

	edit(t, p, func(p *v1alpha1.ImagePolicy) { p.Spec.Select.SemVer.Range = "<1.2.0" })
	waitFor(t, p, "1.1.0 after narrowing the range", currentIs("1.1.0", d["1.1.0"], v1alpha1.SourceScan))

	edit(t, p, func(p *v1alpha1.ImagePolicy) { p.Spec.Select.SemVer.Range = "^1" })
	waitFor(t, p, "1.2.0 after widening", currentIs("1.2.0", d["1.2.0"], v1alpha1.SourceScan))
	reg.DeleteTag(t, "team/app", "1.2.0")
	waitFor(t, p, "a scan that sees the deletion", func(p *v1alpha1.ImagePolicy) bool {
		return condition(p, v1alpha1.ConditionScanned).Reason == v1alpha1.ReasonOlderThanCurrent
	})
	if !currentIs("1.2.0", d["1.2.0"], v1alpha1.SourceScan)(p) {
		t.Errorf("current moved back on a scan alone: %+v", p.Status.Current)
	}

	var tags []string
	for _, h := range p.Status.History {
		tags = append(tags, h.Tag)
	}
	want := []string{"1.2.0", "1.1.0", "1.2.0", "", "1.0.0", "1.2.0", "1.1.0"}
	if !equal(tags, want) {
		t.Errorf("history tags = %q, want %q (newest first)", tags, want)
	}
}

// edit changes p's spec as a user would.
func edit(t *testing.T, p *v1alpha1.ImagePolicy, mod func(*v1alpha1.ImagePolicy)) {
	t.Helper()
	if err := cl.Get(t.Context(), client.ObjectKeyFromObject(p), p); err != nil {
		t.Fatal(err)
	}
	mod(p)
	if err := cl.Update(t.Context(), p); err != nil {
		t.Fatalf("edit %s: %v", p.Name, err)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestEventOnlyWhenCurrentMoves: a policy's first current records no
// CurrentChanged event (status.current and history hold it); a move from
// one value to another records one that names both.
func TestEventOnlyWhenCurrentMoves(t *testing.T) {
	ns, reg := namespace(t), registry.NewInProcess(t)
	d := reg.Push(t, "team/app", "1.0.0")
	startScanner(t, ns, newResolver(t), scannerOpts{})
	p := semverPolicy(ns, "app", reg.Repo("team/app"), "^1")
	if err := cl.Create(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, "current 1.0.0", currentIs("1.0.0", d["1.0.0"], v1alpha1.SourceScan))
	d["1.1.0"] = reg.Push(t, "team/app", "1.1.0")["1.1.0"]
	waitFor(t, p, "current 1.1.0 after a push", currentIs("1.1.0", d["1.1.0"], v1alpha1.SourceScan))
	// Each event goes out on its own: once the move's is there, the first
	// choice's, recorded earlier, would be too.
	note := waitEvent(t, p, scanner.ReasonCurrentChanged)
	if want := p.Status.History[1].Image + " → " + p.Status.History[0].Image; !strings.HasPrefix(note, want) {
		t.Errorf("CurrentChanged note %q; want it to start with %q", note, want)
	}
	time.Sleep(time.Second)
	if notes := eventNotes(t, p, scanner.ReasonCurrentChanged); len(notes) != 1 {
		t.Errorf("CurrentChanged events %q; want one, for the move alone", notes)
	}
}
