package rollout

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/e2e/stack"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/revision"
	"github.com/imagepin/imagepin/policy/rollout"
)

// TestRollouts runs the rollout cases on one stack; each has its own
// namespace and repository.
func TestRollouts(t *testing.T) {
	s := stack.ForTest(t, stack.Options{Nodes: nodes})
	t.Run("None: one ReplicaSet keeps one digest through scale-ups and evictions", func(t *testing.T) { noneKeepsRevision(t, s) })
	t.Run("Restart: rolled within one scan, maxUnavailable honoured, pin, unpin and undo", func(t *testing.T) { restartRollsOut(t, s) })
	t.Run("StatefulSet partition and DaemonSet", func(t *testing.T) { statefulSetAndDaemonSet(t, s) })
	t.Run("a Job's Pods share the Job's digest", func(t *testing.T) { jobSharesOneDigest(t, s) })
	t.Run("two replicas and a restart during a rollout restart each workload once", func(t *testing.T) { twoReplicasRestartOnce(t, s) })
}

func noneKeepsRevision(t *testing.T, s *stack.Stack) {
	e := newEnv(t, s, v1alpha1.PinningEnabled)
	r := e.newRepo(t, "web", "1.1.0")
	p := e.policy(t, "web", r, v1alpha1.RolloutNone)
	e.waitCurrent(t, p, r, "1.1.0")
	e.deployment(t, "web", r.image+":1.1.0", 3)
	e.rolloutStatus(t, "deployment/web")
	pods := e.waitPodsRun(t, "web", 3, r.pinned("1.1.0"))

	e.push(t, r, "1.2.0")
	e.waitCurrent(t, p, r, "1.2.0")
	time.Sleep(revision.Settle) // any new revision now would get 1.2.0
	e.kubectl(t, "scale", "deployment/web", "--replicas=6")
	e.kubectl(t, "delete", "pod", pods[0].Name, "--wait=false")
	e.rolloutStatus(t, "deployment/web")
	e.waitPodsRun(t, "web", 6, r.pinned("1.1.0"))
	rss := e.replicaSets(t, "web")
	if len(rss) != 1 {
		t.Fatalf("%d ReplicaSets; want the first alone", len(rss))
	}
	tmpl := rss[0].Spec.Template
	if img := tmpl.Spec.Containers[0].Image; img != r.image+":1.1.0" {
		t.Errorf("template image %q; want it untouched", img)
	}
	if v, ok := tmpl.Annotations[v1alpha1.RolloutAnnotation]; ok {
		t.Errorf("strategy None set %s=%s", v1alpha1.RolloutAnnotation, v)
	}
	if got := rss[0].Annotations[v1alpha1.RevisionImagesAnnotation]; got != revision.FormatRecord(map[string]string{r.image: r.pinned("1.1.0")}) {
		t.Errorf("ReplicaSet record %q; want 1.1.0's image", got)
	}
}

func restartRollsOut(t *testing.T, s *stack.Stack) {
	e := newEnv(t, s, v1alpha1.PinningEnabled)
	r := e.newRepo(t, "web", "1.1.0")
	p := e.policy(t, "web", r, v1alpha1.RolloutRestart)
	e.waitCurrent(t, p, r, "1.1.0")
	e.deployment(t, "web", r.image+":1.1.0", 4)
	e.rolloutStatus(t, "deployment/web")
	e.waitPodsRun(t, "web", 4, r.pinned("1.1.0"))

	b := e.watchBounds(t, "web")
	e.push(t, r, "1.2.0")
	e.waitCurrent(t, p, r, "1.2.0")
	st := e.waitRollout(t, p, r, "1.2.0")
	if st.Count != 1 || len(st.Workloads) != 1 || st.Workloads[0] != (v1alpha1.WorkloadReference{Kind: "Deployment", Name: "web"}) {
		t.Errorf("status.rollout = %+v; want Deployment web", st)
	}
	e.rolloutStatus(t, "deployment/web")
	e.waitPodsRun(t, "web", 4, r.pinned("1.2.0"))
	b.stop()
	if b.samples == 0 || b.minAvailable < 3 || b.maxPods > 5 {
		t.Errorf("during the rollout: %d available at least, %d Pods asked for at most (%d samples); want ≥ 3 and ≤ 5 (maxUnavailable 1, maxSurge 1)", b.minAvailable, b.maxPods, b.samples)
	}
	if n := len(e.replicaSets(t, "web")); n != 2 {
		t.Errorf("%d ReplicaSets after one change; want 2", n)
	}
	var d appsv1.Deployment
	if err := e.Client.Get(t.Context(), client.ObjectKey{Namespace: e.ns, Name: "web"}, &d); err != nil {
		t.Fatal(err)
	}
	if img := d.Spec.Template.Spec.Containers[0].Image; img != r.image+":1.1.0" {
		t.Errorf("template image %q; imagepin must not write images", img)
	}
	if len(e.events(t, "web", rollout.ReasonRolloutStarted)) == 0 {
		t.Error("no RolloutStarted event on the Deployment")
	}

	// Pin the older tag: rolled back (a new ReplicaSet: the first one's
	// template had no rollout annotation); unpin: forward again, through
	// the ReplicaSet of 1.2.0, whose template carries 1.2.0's value.
	setPin(t, e, p, &v1alpha1.Pin{Tag: "1.1.0"})
	e.waitRollout(t, p, r, "1.1.0")
	e.rolloutStatus(t, "deployment/web")
	e.waitPodsRun(t, "web", 4, r.pinned("1.1.0"))
	pinned := len(e.replicaSets(t, "web"))
	setPin(t, e, p, nil)
	e.waitRollout(t, p, r, "1.2.0")
	e.rolloutStatus(t, "deployment/web")
	e.waitPodsRun(t, "web", 4, r.pinned("1.2.0"))
	if n := len(e.replicaSets(t, "web")); n != pinned {
		t.Errorf("%d ReplicaSets after the unpin, %d before; want the ReplicaSet of 1.2.0 reused", n, pinned)
	}
	if n := len(e.events(t, p.Name, rollout.ReasonRolloutStarted)); n < 3 {
		t.Errorf("%d RolloutStarted events on the policy; want one per change (3)", n)
	}

	// kubectl rollout undo brings back the previous ReplicaSet with its digest.
	e.kubectl(t, "rollout", "undo", "deployment/web")
	e.rolloutStatus(t, "deployment/web")
	e.waitPodsRun(t, "web", 4, r.pinned("1.1.0"))
}

func setPin(t *testing.T, e *env, p *v1alpha1.ImagePolicy, pin *v1alpha1.Pin) {
	t.Helper()
	if err := e.Client.Get(t.Context(), client.ObjectKeyFromObject(p), p); err != nil {
		t.Fatal(err)
	}
	orig := p.DeepCopy()
	p.Spec.Pin = pin
	if err := e.Client.Patch(t.Context(), p, client.MergeFrom(orig)); err != nil {
		t.Fatal(err)
	}
}

func statefulSetAndDaemonSet(t *testing.T, s *stack.Stack) {
	e := newEnv(t, s, v1alpha1.PinningStrict)
	r := e.newRepo(t, "db", "1.1.0")
	p := e.policy(t, "db", r, v1alpha1.RolloutRestart)
	e.waitCurrent(t, p, r, "1.1.0")
	sts := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: "db"},
		Spec: appsv1.StatefulSetSpec{
			Replicas: ptr.To[int32](3), ServiceName: "db", PodManagementPolicy: appsv1.ParallelPodManagement,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}},
			Template: podTemplate("db", r.image+":1.1.0"),
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: ptr.To[int32](1)}},
		},
	}
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: "agent"},
		Spec: appsv1.DaemonSetSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "agent"}},
			Template: podTemplate("agent", r.image+":1.1.0")},
	}
	if err := e.Create(t.Context(), sts, ds); err != nil {
		t.Fatal(err)
	}
	e.rolloutStatus(t, "statefulset/db")
	e.rolloutStatus(t, "daemonset/agent")
	e.waitPodsRun(t, "db", 3, r.pinned("1.1.0"))
	e.waitPodsRun(t, "agent", nodes, r.pinned("1.1.0"))

	e.push(t, r, "1.2.0")
	if st := e.waitRollout(t, p, r, "1.2.0"); st.Count != 2 {
		t.Errorf("status.rollout = %+v; want the StatefulSet and the DaemonSet", st)
	}
	e.rolloutStatus(t, "statefulset/db")
	e.rolloutStatus(t, "daemonset/agent")
	e.waitPodsRun(t, "agent", nodes, r.pinned("1.2.0"))
	want := map[string]string{"db-0": r.pinned("1.1.0"), "db-1": r.pinned("1.2.0"), "db-2": r.pinned("1.2.0")}
	e.eventually(t, "the partitioned StatefulSet", func(ctx context.Context) (bool, error) {
		pods := e.pods(t, "db")
		for _, pod := range pods {
			if !ready(pod) || pod.Spec.Containers[0].Image != want[pod.Name] {
				return false, nil
			}
		}
		return len(pods) == 3, nil
	})
}

func jobSharesOneDigest(t *testing.T, s *stack.Stack) {
	e := newEnv(t, s, v1alpha1.PinningEnabled)
	r := e.newRepo(t, "batch", "1.1.0")
	p := e.policy(t, "batch", r, v1alpha1.RolloutNone)
	e.waitCurrent(t, p, r, "1.1.0")
	time.Sleep(revision.Settle)
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: "batch"},
		Spec: batchv1.JobSpec{Suspend: ptr.To(true), Completions: ptr.To[int32](3), Parallelism: ptr.To[int32](1),
			Template: podTemplate("batch", r.image+":1.1.0")},
	}
	job.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
	if err := e.Create(t.Context(), job); err != nil {
		t.Fatal(err)
	}
	// The policy moves before the Job starts any Pod: the Job keeps the
	// image of its creation, for all its Pods.
	e.push(t, r, "1.2.0")
	e.waitCurrent(t, p, r, "1.2.0")
	time.Sleep(revision.Settle)
	e.kubectl(t, "patch", "job/batch", "--type=merge", "-p", `{"spec":{"suspend":false}}`)
	e.kubectl(t, "wait", "--for=condition=Complete", "job/batch", "--timeout="+timeout.String())
	e.waitPodsRun(t, "batch", 3, r.pinned("1.1.0"))
}

func twoReplicasRestartOnce(t *testing.T, s *stack.Stack) {
	e := newEnv(t, s, v1alpha1.PinningStrict)
	r := e.newRepo(t, "ha", "1.1.0")
	p := e.policy(t, "ha", r, v1alpha1.RolloutRestart)
	e.waitCurrent(t, p, r, "1.1.0")
	e.deployment(t, "ha", r.image+":1.1.0", 2)
	// The first current's rollout restarts the Deployment when it was
	// created before that current settled, which depends on the machine's
	// speed: wait for it, then count from there.
	e.waitRollout(t, p, r, "1.1.0")
	e.rolloutStatus(t, "deployment/ha")
	e.waitPodsRun(t, "ha", 2, r.pinned("1.1.0"))

	second, err := s.NewReplica("replica-2")
	if err != nil {
		t.Fatal(err)
	}
	if err := second.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := second.Stop(); err != nil {
			t.Errorf("stop the second replica: %v", err)
		}
	})
	var d appsv1.Deployment
	key := client.ObjectKey{Namespace: e.ns, Name: "ha"}
	if err := e.Client.Get(t.Context(), key, &d); err != nil {
		t.Fatal(err)
	}
	generation, replicaSets := d.Generation, len(e.replicaSets(t, "ha"))

	// The leader restarts between the change and its rollout: the strict
	// namespace denies Pods while the webhook is down, and the Deployment
	// controller retries them.
	e.push(t, r, "1.2.0")
	e.waitCurrent(t, p, r, "1.2.0")
	if err := s.Manager.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Manager.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.waitRollout(t, p, r, "1.2.0")
	e.rolloutStatus(t, "deployment/ha")
	e.waitPodsRun(t, "ha", 2, r.pinned("1.2.0"))
	time.Sleep(2 * revision.RolloutDelay) // a second restart would have happened by now
	if err := e.Client.Get(t.Context(), key, &d); err != nil {
		t.Fatal(err)
	}
	if n := len(e.replicaSets(t, "ha")); d.Generation != generation+1 || n != replicaSets+1 {
		t.Errorf("generation %d → %d and ReplicaSets %d → %d; want one restart (+1, +1)", generation, d.Generation, replicaSets, n)
	}
}
