package scanner_test

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/imagepin/imagepin/internal/testenv/registry"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// TestNarrowedDuringOutage narrows a policy's range while its registry
// answers 503: Ready says CurrentNotAllowed (not a silent Ready=True) for as
// long as current cannot move, the new generation is not marked observed,
// and current moves into the range once the registry is back.
func TestNarrowedDuringOutage(t *testing.T) {
	ns, reg := namespace(t), registry.NewInProcess(t)
	d := reg.Push(t, "team/app", "1.0.0", "1.1.0", "1.2.0")
	startScanner(t, ns, newResolver(t), scannerOpts{})
	p := semverPolicy(ns, "app", reg.Repo("team/app"), "^1")
	if err := cl.Create(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, "current 1.2.0", currentIs("1.2.0", d["1.2.0"], v1alpha1.SourceScan))

	reg.Down.Store(true)
	waitFor(t, p, "Ready=False RegistryUnavailable", readyIs(metav1.ConditionFalse, v1alpha1.ReasonRegistryUnavailable))
	edit(t, p, func(p *v1alpha1.ImagePolicy) { p.Spec.Select.SemVer.Range = "<1.2.0" })
	waitFor(t, p, "Ready=False CurrentNotAllowed", readyIs(metav1.ConditionFalse, v1alpha1.ReasonCurrentNotAllowed))
	if p.Status.ObservedGeneration == p.Generation {
		t.Errorf("observedGeneration = %d although generation %d was not decided", p.Status.ObservedGeneration, p.Generation)
	}
	time.Sleep(2 * time.Second) // a few failed retries
	waitFor(t, p, "still CurrentNotAllowed", readyIs(metav1.ConditionFalse, v1alpha1.ReasonCurrentNotAllowed))

	reg.Down.Store(false)
	waitFor(t, p, "current 1.1.0 once the registry is back", currentIs("1.1.0", d["1.1.0"], v1alpha1.SourceScan))
	waitFor(t, p, "Ready=True", readyIs(metav1.ConditionTrue, v1alpha1.ReasonSucceeded))
	if p.Status.ObservedGeneration != p.Generation {
		t.Errorf("observedGeneration = %d, want %d after the decision", p.Status.ObservedGeneration, p.Generation)
	}
}

// TestNewPolicyListsAfresh deletes the newest tag upstream while a listing
// that still has it is shared (window of an hour), then creates a policy
// and edits another: both choose from a fresh listing, not the shared one.
func TestNewPolicyListsAfresh(t *testing.T) {
	ns := namespace(t)
	reg := registry.StartT(t, registry.Options{EnableDelete: true})
	d, err := reg.Push(t.Context(), "team/app", "1.0.0", "1.1.0")
	if err != nil {
		t.Fatal(err)
	}
	startScanner(t, ns, newResolver(t), scannerOpts{shareWindow: time.Hour})
	old := hourlyPolicy(ns, "old", reg.Repo("team/app"))
	if err := cl.Create(t.Context(), old); err != nil {
		t.Fatal(err)
	}
	waitFor(t, old, "current 1.1.0", currentIs("1.1.0", d["1.1.0"].String(), v1alpha1.SourceScan))

	if err := reg.DeleteTag(t.Context(), "team/app", "1.1.0"); err != nil {
		t.Fatal(err)
	}
	fresh := hourlyPolicy(ns, "new", reg.Repo("team/app"))
	if err := cl.Create(t.Context(), fresh); err != nil {
		t.Fatal(err)
	}
	waitFor(t, fresh, "a scan", func(p *v1alpha1.ImagePolicy) bool { return p.Status.LastScan != nil })
	if !currentIs("1.0.0", d["1.0.0"].String(), v1alpha1.SourceScan)(fresh) {
		t.Errorf("a policy created after the deletion chose %+v, want 1.0.0 from a fresh listing", fresh.Status.Current)
	}

	edit(t, old, func(p *v1alpha1.ImagePolicy) { p.Spec.Select.SemVer.Range = ">=1.0.0 <2" })
	waitFor(t, old, "a scan of the edit", func(p *v1alpha1.ImagePolicy) bool {
		return p.Status.ObservedGeneration == p.Generation && readyIs(metav1.ConditionTrue, v1alpha1.ReasonSucceeded)(p)
	})
	if !currentIs("1.0.0", d["1.0.0"].String(), v1alpha1.SourceScan)(old) {
		t.Errorf("an edited policy chose %+v, want 1.0.0 from a fresh listing", old.Status.Current)
	}
}
