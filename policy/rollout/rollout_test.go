package rollout_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/revision"
	"github.com/imagepin/imagepin/policy/rollout"
)

const nginx = "index.docker.io/library/nginx"

// ahead is the controller's clock in tests that need no wait: a minute
// ahead of the API server's, so every change written now has settled for it
// (since + RolloutDelay) while the workloads created before it stay older.
func ahead() time.Time { return time.Now().Add(time.Minute) }

// TestRestartRollsOutEachChange: every change of current restarts the
// workloads that run the repository, once, through the Pod-template
// annotation alone; pinning back brings back the earlier template, so the
// Deployment controller scales the old ReplicaSet up instead of making one.
func TestRestartRollsOutEachChange(t *testing.T) {
	startController(t, rollout.Options{Now: ahead})
	ns := namespace(t, v1alpha1.PinningEnabled)
	p := policy(t, ns, "web", "nginx", "")
	d := deployment(t, ns, "web", nil, "nginx:1.25")
	sts := statefulSet(t, ns, "db", "nginx:1.25")
	ds := daemonSet(t, ns, "agent", "nginx")
	eventually(t, "the first ReplicaSet", func(context.Context) (bool, error) { return replicaSets(t, d) == 1, nil })

	a, b := digest("a"), digest("b")
	steps := []struct {
		image, digest string
		replicaSets   int
	}{
		{"nginx:1.25@" + a, a, 2},
		{"nginx:1.26@" + b, b, 3},
		{"nginx:1.25@" + a, a, 3}, // rollback: the ReplicaSet of a again
	}
	for i, s := range steps {
		setCurrent(t, p, s.image, time.Now().Add(time.Duration(i)*time.Millisecond))
		st := rolledOut(t, p, s.image)
		want := revision.RolloutValue(map[string]string{nginx: s.digest})
		for _, w := range []client.Object{d, sts, ds} {
			if got := templateValue(t, w); got != want {
				t.Errorf("step %d: %T %s: rollout annotation %q; want %q", i, w, w.GetName(), got, want)
			}
		}
		if st.Count != 3 || len(st.Workloads) != 3 {
			t.Errorf("step %d: status.rollout = %+v; want 3 workloads", i, st)
		}
		eventually(t, "ReplicaSets", func(context.Context) (bool, error) { return replicaSets(t, d) == s.replicaSets, nil })
	}
	time.Sleep(2 * time.Second) // a second restart for one change would show by now
	if n := replicaSets(t, d); n != 3 {
		t.Errorf("%d ReplicaSets after three changes and a rollback; want 3", n)
	}
	if img := d.Spec.Template.Spec.Containers[0].Image; img != "nginx:1.25" {
		t.Errorf("template image changed to %q; imagepin must never write images", img)
	}
}

// TestOnlyEligibleWorkloads: strategy None restarts nothing; workloads that
// opt out, name the repository by digest, have Pods that opt out, or do not
// use the repository are left alone.
func TestOnlyEligibleWorkloads(t *testing.T) {
	startController(t, rollout.Options{Now: ahead})
	ns := namespace(t, v1alpha1.PinningStrict)
	none := policy(t, ns, "web", "nginx", v1alpha1.RolloutNone)
	restart := policy(t, ns, "cache", "redis", v1alpha1.RolloutRestart)
	target := deployment(t, ns, "target", nil, "redis:7", "nginx:1.25")
	untouched := []*appsv1.Deployment{
		deployment(t, ns, "only-nginx", nil, "nginx:1.25"),
		deployment(t, ns, "disabled", func(d *appsv1.Deployment) {
			d.Annotations = map[string]string{v1alpha1.RolloutAnnotation: v1alpha1.RolloutDisabled}
		}, "redis:7"),
		deployment(t, ns, "by-digest", nil, "redis@"+digest("c")),
		deployment(t, ns, "pods-opt-out", func(d *appsv1.Deployment) {
			d.Spec.Template.Labels[v1alpha1.PinningLabel] = v1alpha1.PinningDisabled
		}, "redis:7"),
		deployment(t, ns, "other", nil, "busybox:1"),
	}
	since := time.Now()
	setCurrent(t, none, "nginx:1.25@"+digest("a"), since)
	setCurrent(t, restart, "redis:7.2@"+digest("b"), since)
	st := rolledOut(t, restart, "redis:7.2@"+digest("b"))
	if st.Count != 1 || len(st.Workloads) != 1 || st.Workloads[0] != (v1alpha1.WorkloadReference{Kind: "Deployment", Name: "target"}) {
		t.Errorf("status.rollout = %+v; want Deployment target alone", st)
	}
	// The value names the Restart policy's repository only.
	if got, want := templateValue(t, target), revision.RolloutValue(map[string]string{"index.docker.io/library/redis": digest("b")}); got != want {
		t.Errorf("target: rollout annotation %q; want %q", got, want)
	}
	for _, d := range untouched {
		if got := templateValue(t, d); got != "" {
			t.Errorf("%s: rollout annotation %q; want none", d.Name, got)
		}
	}
	if err := cl.Get(t.Context(), client.ObjectKeyFromObject(none), none); err != nil {
		t.Fatal(err)
	}
	if none.Status.Rollout != nil {
		t.Errorf("strategy None recorded a rollout: %+v", none.Status.Rollout)
	}
}

// TestNothingToRollOut: a change of current writes no status.rollout and
// records no event where nothing would be restarted — a namespace that
// does not opt in, an exempt one, one whose workloads do not use the
// repository or opt out — nor adopts there; a policy that has workloads
// to consider is rolled out as before.
func TestNothingToRollOut(t *testing.T) {
	exempt := namespace(t, v1alpha1.PinningEnabled)
	reg := prometheus.NewRegistry()
	startController(t, rollout.Options{Now: ahead, Registerer: reg, Exempt: func(ns string) bool { return ns == exempt }})
	plain, enabled := namespace(t, ""), namespace(t, v1alpha1.PinningEnabled)
	type target struct {
		p     *v1alpha1.ImagePolicy
		d     *appsv1.Deployment
		since time.Time
	}
	targets := map[string]target{
		"not opted in":  {policy(t, plain, "web", "nginx", ""), deployment(t, plain, "web", nil, "nginx:1"), time.Now()},
		"exempt":        {policy(t, exempt, "web", "nginx", ""), deployment(t, exempt, "web", nil, "nginx:1"), time.Now()},
		"other image":   {policy(t, enabled, "web", "nginx", ""), deployment(t, enabled, "other", nil, "busybox:1"), time.Now()},
		"opted out":     {policy(t, enabled, "cache", "redis", ""), deployment(t, enabled, "cache", optOut, "redis:7"), time.Now()},
		"old, adoption": {policy(t, plain, "old", "busybox", ""), deployment(t, plain, "old", nil, "busybox:1"), time.Now().Add(-time.Hour)},
	}
	for _, tg := range targets {
		setCurrent(t, tg.p, tg.p.Spec.Image+":1@"+digest("a"), tg.since)
	}
	eventually(t, "every change handled", func(context.Context) (bool, error) {
		return rollouts(t, reg, "skipped") == float64(len(targets)), nil
	})
	// Each event goes out on its own: once the control's, recorded later,
	// are there, any of the skipped changes' would be too.
	control := policy(t, enabled, "control", "memcached", "")
	deployment(t, enabled, "control", nil, "memcached:1")
	setCurrent(t, control, "memcached:1@"+digest("b"), time.Now())
	if st := rolledOut(t, control, "memcached:1@"+digest("b")); st.Count != 1 {
		t.Errorf("control: status.rollout = %+v; want one workload", st)
	}
	eventually(t, "the control's events", func(context.Context) (bool, error) { return len(events(t, enabled, "control")) >= 2, nil })
	time.Sleep(time.Second)
	for what, tg := range targets {
		if err := cl.Get(t.Context(), client.ObjectKeyFromObject(tg.p), tg.p); err != nil {
			t.Fatal(err)
		}
		if tg.p.Status.Rollout != nil {
			t.Errorf("%s: status.rollout = %+v; want none", what, tg.p.Status.Rollout)
		}
		if ev := events(t, tg.p.Namespace, tg.p.Name); len(ev) > 0 {
			t.Errorf("%s: rollout events %v; want none", what, ev)
		}
		if got := templateValue(t, tg.d); got != "" {
			t.Errorf("%s: rollout annotation %q; want none", what, got)
		}
	}
	if n := rollouts(t, reg, "adopted") + rollouts(t, reg, "started"); n != 1 {
		t.Errorf("%v rollouts started or adopted; want the control's alone", n)
	}
}

func optOut(d *appsv1.Deployment) {
	d.Annotations = map[string]string{v1alpha1.RolloutAnnotation: v1alpha1.RolloutDisabled}
}

// TestAdoptsOldCurrent: a current chosen long before the policy had a
// status.rollout (an upgrade) restarts nothing.
func TestAdoptsOldCurrent(t *testing.T) {
	startController(t, rollout.Options{})
	ns := namespace(t, v1alpha1.PinningEnabled)
	d := deployment(t, ns, "web", nil, "nginx:1")
	p := policy(t, ns, "web", "nginx", "")
	setCurrent(t, p, "nginx:1@"+digest("a"), time.Now().Add(-time.Hour))
	if st := rolledOut(t, p, "nginx:1@"+digest("a")); st.Count != 0 {
		t.Errorf("status.rollout = %+v; want adopted, no workloads", st)
	}
	if got := templateValue(t, d); got != "" {
		t.Errorf("an adopted current restarted the Deployment (annotation %q)", got)
	}
}

// TestRolloutWaitsForTheChangeToSettle: the rollout starts Delay after the
// change, when every replica's webhook gives new revisions the new image.
func TestRolloutWaitsForTheChangeToSettle(t *testing.T) {
	startController(t, rollout.Options{})
	ns := namespace(t, v1alpha1.PinningEnabled)
	p := policy(t, ns, "web", "nginx", "")
	deployment(t, ns, "web", nil, "nginx:1")
	since := time.Now().Truncate(time.Second)
	setCurrent(t, p, "nginx:1@"+digest("a"), since)
	st := rolledOut(t, p, "nginx:1@"+digest("a"))
	if started := st.StartedAt.Time; started.Before(since.Add(revision.RolloutDelay - time.Second)) {
		t.Errorf("rollout started at %s, %s after the change; want at least %s", started, started.Sub(since), revision.RolloutDelay)
	}
	if st.Count != 1 {
		t.Errorf("status.rollout = %+v; want one workload", st)
	}
}

// TestRestartAfterCrashRestartsNothingAgain: a controller that lost its
// status write (crash, leader change) does not restart workloads whose
// template already carries the change, and still records them.
func TestRestartAfterCrashRestartsNothingAgain(t *testing.T) {
	stop := startController(t, rollout.Options{Now: ahead})
	ns := namespace(t, v1alpha1.PinningEnabled)
	p := policy(t, ns, "web", "nginx", "")
	d := deployment(t, ns, "web", nil, "nginx:1")
	setCurrent(t, p, "nginx:1@"+digest("a"), time.Now())
	rolledOut(t, p, "nginx:1@"+digest("a"))
	eventually(t, "the rollout's ReplicaSet", func(context.Context) (bool, error) { return replicaSets(t, d) == 2, nil })
	stop()
	if err := cl.Get(t.Context(), client.ObjectKeyFromObject(d), d); err != nil {
		t.Fatal(err)
	}
	generation := d.Generation
	// The status write is lost.
	p.Status.Rollout = nil
	if err := cl.Status().Update(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	startController(t, rollout.Options{Now: ahead})
	if st := rolledOut(t, p, "nginx:1@"+digest("a")); st.Count != 1 {
		t.Errorf("status.rollout = %+v; want the workload recorded", st)
	}
	if err := cl.Get(t.Context(), client.ObjectKeyFromObject(d), d); err != nil {
		t.Fatal(err)
	}
	if d.Generation != generation || replicaSets(t, d) != 2 {
		t.Errorf("restarted again: generation %d → %d, %d ReplicaSets", generation, d.Generation, replicaSets(t, d))
	}
}

// TestGitOpsApplierKeepsTheAnnotation: a GitOps tool applying the original
// manifest with server-side apply under its own field manager, as Argo CD
// and Flux do, neither removes imagepin's annotation nor conflicts with it.
func TestGitOpsApplierKeepsTheAnnotation(t *testing.T) {
	startController(t, rollout.Options{Now: ahead})
	ns := namespace(t, v1alpha1.PinningEnabled)
	p := policy(t, ns, "web", "nginx", "")
	labels := map[string]string{"app": "web"}
	manifest := func(team string) *appsv1ac.DeploymentApplyConfiguration {
		return appsv1ac.Deployment("web", ns).WithLabels(map[string]string{"team": team}).WithSpec(appsv1ac.DeploymentSpec().
			WithSelector(metav1ac.LabelSelector().WithMatchLabels(labels)).
			WithTemplate(corev1ac.PodTemplateSpec().WithLabels(labels).
				WithSpec(corev1ac.PodSpec().WithContainers(corev1ac.Container().WithName("web").WithImage("nginx:1")))))
	}
	if err := cl.Apply(t.Context(), manifest("a"), client.FieldOwner("argocd-controller")); err != nil {
		t.Fatal(err)
	}
	setCurrent(t, p, "nginx:1@"+digest("a"), time.Now())
	rolledOut(t, p, "nginx:1@"+digest("a"))
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"}}
	want := templateValue(t, d)
	if want == "" {
		t.Fatal("no rollout annotation")
	}
	// The sync re-applies the manifest, with a change of its own.
	if err := cl.Apply(t.Context(), manifest("b"), client.FieldOwner("argocd-controller")); err != nil {
		t.Fatalf("GitOps apply after imagepin's: %v", err)
	}
	if got := templateValue(t, d); got != want {
		t.Errorf("rollout annotation %q after the GitOps apply; want %q kept", got, want)
	}
}

func statefulSet(t *testing.T, ns, name string, images ...string) *appsv1.StatefulSet {
	t.Helper()
	labels := map[string]string{"app": name}
	s := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.StatefulSetSpec{Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: podSpec(images...)}},
	}
	if err := cl.Create(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

func daemonSet(t *testing.T, ns, name string, images ...string) *appsv1.DaemonSet {
	t.Helper()
	labels := map[string]string{"app": name}
	s := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DaemonSetSpec{Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: podSpec(images...)}},
	}
	if err := cl.Create(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestWorkloadNewerThanTheChange: a workload created after the change had
// settled runs it already and is not restarted for it.
func TestWorkloadNewerThanTheChange(t *testing.T) {
	startController(t, rollout.Options{})
	ns := namespace(t, v1alpha1.PinningEnabled)
	p := policy(t, ns, "web", "nginx", "")
	// The Deployment exists before the controller sees either value, but
	// was created after both had settled (their since is a minute ago).
	d := deployment(t, ns, "web", nil, "nginx:1")
	setCurrent(t, p, "nginx:1@"+digest("a"), time.Now().Add(-time.Minute))
	if st := rolledOut(t, p, "nginx:1@"+digest("a")); st.Count != 0 {
		t.Errorf("status.rollout = %+v; want nothing restarted", st)
	}
	setCurrent(t, p, "nginx:2@"+digest("b"), time.Now().Add(-time.Minute+revision.Settle+time.Second))
	if st := rolledOut(t, p, "nginx:2@"+digest("b")); st.Count != 0 {
		t.Errorf("status.rollout = %+v; want nothing restarted", st)
	}
	if got := templateValue(t, d); got != "" {
		t.Errorf("a Deployment created after the change was restarted (annotation %q)", got)
	}
}
