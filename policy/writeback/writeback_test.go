package writeback_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/imagepin/imagepin/internal/testenv/gitserver"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// TestPoliciesThatChangeTogetherMakeOneCommit moves two policies at once
// (one scan cycle), then one of them: each time one commit holds every
// change, and each policy's status names it without losing the scanner's
// conditions.
func TestPoliciesThatChangeTogetherMakeOneCommit(t *testing.T) {
	f := newFixture(t)
	c := startWriteBack(t, f.ns)
	app, worker := f.policy(t, "app"), f.policy(t, "worker")
	setCurrent(t, app, "1.0.0", v1alpha1.SourceScan)
	setCurrent(t, worker, "2.0.0", v1alpha1.SourceScan)

	log := waitForCommits(t, f.git, 2)
	if got, want := f.git.FileT(t, "apps/values.yaml"), f.values("1.0.0", "2.0.0"); got != want {
		t.Errorf("values.yaml:\n%s\nwant:\n%s", got, want)
	}
	if c := log[0]; subject(c) != "imagepin: update 2 images" || c.Author != "imagepin <imagepin@imagepin.dev>" ||
		!strings.Contains(c.Message, f.ns+"/app\n  from:  nothing\n  to:    ghcr.io/acme/app:1.0.0@"+digestOf("1.0.0")) ||
		!strings.Contains(c.Message, f.ns+"/worker\n") || strings.Join(c.Files, ",") != "apps/values.yaml" {
		t.Errorf("commit by %s of %v:\n%s", c.Author, c.Files, c.Message)
	}
	for _, p := range []*v1alpha1.ImagePolicy{app, worker} {
		waitFor(t, p, "status.writeBack of the commit", recorded(log[0].Hash))
		if wb := p.Status.WriteBack; wb.URL != f.git.URL || wb.Branch != "main" || wb.PushedAt == nil {
			t.Errorf("%s: status.writeBack = %+v", p.Name, wb)
		}
		if condition(p, v1alpha1.ConditionReady).Status != metav1.ConditionTrue {
			t.Errorf("%s: the scanner's Ready condition was lost: %+v", p.Name, p.Status.Conditions)
		}
	}

	setCurrent(t, app, "1.1.0", v1alpha1.SourceScan)
	log = waitForCommits(t, f.git, 3)
	if s, want := subject(log[0]), "imagepin: update "+f.ns+"/app from 1.0.0 to 1.1.0 (scan)"; s != want {
		t.Errorf("subject %q; want %q", s, want)
	}
	waitFor(t, app, "the second commit", recorded(log[0].Hash))
	if worker.Status.WriteBack.Commit != log[1].Hash {
		t.Errorf("worker's status.writeBack moved to a commit that did not change it")
	}
	if n := c.cycles(t, "committed"); n != 2 {
		t.Errorf("%d committed cycles; want 2", n)
	}
}

// TestSomeoneElsePushesDuringTheWriteBack: the server refuses the stale push;
// the controller writes again on the new head, keeping both changes.
func TestSomeoneElsePushesDuringTheWriteBack(t *testing.T) {
	f := newFixture(t)
	startWriteBack(t, f.ns)
	app := f.policy(t, "app")
	f.git.OnPush(gitserver.PushReceive, func() {
		if _, err := f.git.Commit(t.Context(), "theirs", map[string]string{"apps/other.yaml": "a: 1\n"}); err != nil {
			t.Error(err)
		}
	})
	setCurrent(t, app, "1.0.0", v1alpha1.SourceScan)

	log := waitForCommits(t, f.git, 3)
	if log[1].Message != "theirs" || !strings.HasPrefix(log[0].Message, "imagepin: update") {
		t.Errorf("log: %q, %q; want imagepin's commit on theirs", log[0].Message, log[1].Message)
	}
	if got := f.git.FileT(t, "apps/values.yaml"); got != f.values("1.0.0", "0.0.0") {
		t.Errorf("values.yaml:\n%s", got)
	}
	if got := f.git.FileT(t, "apps/other.yaml"); got != "a: 1\n" {
		t.Errorf("their file: %q", got)
	}
	waitFor(t, app, "the retried commit", recorded(log[0].Hash))
}

// TestRollbackAndPolicyEditsSayWhy: a pin is a rollback, its removal and a
// narrowed range are policy edits, and the commits say so.
func TestRollbackAndPolicyEditsSayWhy(t *testing.T) {
	f := newFixture(t)
	startWriteBack(t, f.ns)
	app := f.policy(t, "app")
	steps := []struct {
		edit    func(*v1alpha1.ImagePolicy)
		tag     string
		source  v1alpha1.Source
		subject string
		why     string
	}{
		{nil, "1.1.0", v1alpha1.SourceScan, "update %s/app to 1.1.0 (scan)", "why:   scan: first image chosen by a scan"},
		{func(p *v1alpha1.ImagePolicy) { p.Spec.Pin = &v1alpha1.Pin{Tag: "1.0.0"} }, "1.0.0", v1alpha1.SourcePin,
			"roll back %s/app from 1.1.0 to 1.0.0 (rollback)", "why:   rollback: spec.pin holds tag 1.0.0"},
		{func(p *v1alpha1.ImagePolicy) { p.Spec.Pin = nil }, "1.1.0", v1alpha1.SourceScan,
			"update %s/app from 1.0.0 to 1.1.0 (policy edit)", "why:   policy edit: spec.pin was removed"},
		{func(p *v1alpha1.ImagePolicy) { p.Spec.Select.SemVer.Range = "<1.1.0" }, "1.0.1", v1alpha1.SourceScan,
			"update %s/app from 1.1.0 to 1.0.1 (policy edit)", "why:   policy edit: spec.select no longer allows 1.1.0"},
	}
	for i, s := range steps {
		if s.edit != nil {
			edit(t, app, s.edit)
		}
		setCurrent(t, app, s.tag, s.source)
		log := waitForCommits(t, f.git, i+2)
		if got, want := subject(log[0]), "imagepin: "+strings.Replace(s.subject, "%s", f.ns, 1); got != want || !strings.Contains(log[0].Message, s.why) {
			t.Errorf("step %d: commit:\n%s\nwant subject %q and %q", i, log[0].Message, want, s.why)
		}
		waitFor(t, app, "the commit in status", recorded(log[0].Hash))
	}
}

// TestRestartMakesNoCommit: a new controller, with an empty clone cache as
// after a restart, finds every image in Git and neither commits nor pushes.
func TestRestartMakesNoCommit(t *testing.T) {
	f := newFixture(t)
	first := startWriteBack(t, f.ns)
	app := f.policy(t, "app")
	setCurrent(t, app, "1.0.0", v1alpha1.SourceScan)
	log := waitForCommits(t, f.git, 2)
	waitFor(t, app, "the commit in status", recorded(log[0].Hash))
	first.stop()
	pushes, before := f.git.Pushes(gitserver.PushAdvertise), app.Status.DeepCopy()

	second := startWriteBack(t, f.ns)
	waitUntil(t, "a cycle of the restarted controller", func() bool { return second.cycles(t, "unchanged") >= 1 })
	if n := len(f.git.LogT(t)); n != 2 || f.git.Pushes(gitserver.PushAdvertise) != pushes {
		t.Errorf("after a restart: %d commits, %d pushes; want 2 commits and no push", n, f.git.Pushes(gitserver.PushAdvertise)-pushes)
	}
	waitFor(t, app, "status read again", func(*v1alpha1.ImagePolicy) bool { return true })
	if diff := cmp.Diff(before, &app.Status); diff != "" {
		t.Errorf("status changed after a restart (-before +after):\n%s", diff)
	}
}
