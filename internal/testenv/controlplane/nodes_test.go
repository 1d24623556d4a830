package controlplane

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/internal/testenv/process"
)

// waitTimeout bounds each wait of these tests; rollouts on kwok take
// seconds, but the machines are shared.
const waitTimeout = 2 * time.Minute

// nodesEnv is a control plane with fake Nodes, a client and kubectl.
type nodesEnv struct {
	cp      *ControlPlane
	cl      client.Client
	kubectl string
}

// TestNodesRunWorkloads proves that with Options.Nodes Pods run: each
// workload kind becomes ready on the fake Nodes and its rollouts complete
// as `kubectl rollout status` sees them.
func TestNodesRunWorkloads(t *testing.T) {
	var cp *ControlPlane
	// Registered first, so it runs after startFor's Stop.
	t.Cleanup(func() { checkStopped(t, cp) })
	cp = startFor(t, Options{Nodes: 2})
	cl, err := client.New(cp.Config, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	assets, err := Assets()
	if err != nil {
		t.Fatal(err)
	}
	env := &nodesEnv{cp: cp, cl: cl, kubectl: filepath.Join(assets, "kubectl")}
	checkNodes(t, env)
	t.Run("Deployment", env.testDeployment)
	t.Run("StatefulSet", env.testStatefulSet)
	t.Run("DaemonSet", env.testDaemonSet)
	t.Run("Job", env.testJob)
}

// checkStopped fails t when Stop left kube-scheduler or kwok running.
func checkStopped(t *testing.T, cp *ControlPlane) {
	if cp == nil {
		return
	}
	for name, p := range map[string]*process.Process{"kube-scheduler": cp.scheduler, "kwok": cp.kwok} {
		if p == nil || p.Exited() == nil {
			t.Errorf("%s still runs after Stop", name)
		}
	}
}

func checkNodes(t *testing.T, env *nodesEnv) {
	var nodes corev1.NodeList
	if err := env.cl.List(t.Context(), &nodes); err != nil {
		t.Fatal(err)
	}
	if len(nodes.Items) != 2 {
		t.Fatalf("%d Nodes, want 2", len(nodes.Items))
	}
	for _, n := range nodes.Items {
		if !nodeReady(&n) || n.Annotations[FakeNodeAnnotation] != "fake" {
			t.Errorf("Node %s: Ready %v, annotations %v", n.Name, nodeReady(&n), n.Annotations)
		}
		if got := n.Status.Allocatable[corev1.ResourcePods]; got.Value() < 110 {
			t.Errorf("Node %s: allocatable pods %s, want at least 110", n.Name, got.String())
		}
	}
	var probe corev1.Pod
	err := env.cl.Get(t.Context(), client.ObjectKey{Namespace: metav1.NamespaceSystem, Name: probeName}, &probe)
	if err == nil {
		t.Errorf("probe Pod still exists after Start")
	}
}

func (e *nodesEnv) testDeployment(t *testing.T) {
	t.Parallel()
	ns := e.namespace(t, "deploy")
	labels := map[string]string{"app": "web"}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec:       appsv1.DeploymentSpec{Replicas: ptr.To[int32](3), Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: podTemplate(labels, "web:1")},
	}
	e.create(t, dep)
	e.waitDeploymentAvailable(t, dep)
	e.waitPods(t, ns, labels, "web:1", 3)
	first := e.activeReplicaSet(t, dep)

	e.run(t, "-n", ns, "set", "image", "deployment/web", "app=web:2")
	e.rolloutStatus(t, ns, "deployment/web")
	second := e.activeReplicaSet(t, dep)
	if second.UID == first.UID {
		t.Fatalf("set image: still ReplicaSet %s", first.Name)
	}
	e.waitPods(t, ns, labels, "web:2", 3)

	e.run(t, "-n", ns, "rollout", "undo", "deployment/web")
	e.rolloutStatus(t, ns, "deployment/web")
	if back := e.activeReplicaSet(t, dep); back.UID != first.UID {
		t.Errorf("rollout undo: active ReplicaSet %s, want the first one, %s", back.Name, first.Name)
	}
	e.waitPods(t, ns, labels, "web:1", 3)
}

func (e *nodesEnv) testStatefulSet(t *testing.T) {
	t.Parallel()
	ns := e.namespace(t, "sts")
	labels := map[string]string{"app": "db"}
	sts := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: ns},
		Spec: appsv1.StatefulSetSpec{
			Replicas: ptr.To[int32](2), ServiceName: "db", Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template:       podTemplate(labels, "db:1"),
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType},
		},
	}
	e.create(t, sts)
	e.rolloutStatus(t, ns, "statefulset/db")
	e.waitPods(t, ns, labels, "db:1", 2)
	e.waitFor(t, "StatefulSet db ready", func(ctx context.Context) (bool, string, error) {
		err := e.cl.Get(ctx, client.ObjectKeyFromObject(sts), sts)
		s := sts.Status
		return err == nil && s.ReadyReplicas == 2 && s.CurrentRevision == s.UpdateRevision, fmt.Sprintf("status %+v", s), nil
	})
	first := sts.Status.CurrentRevision

	e.run(t, "-n", ns, "set", "image", "statefulset/db", "app=db:2")
	e.rolloutStatus(t, ns, "statefulset/db")
	pods := e.waitPods(t, ns, labels, "db:2", 2)
	for _, p := range pods {
		if p.Labels[appsv1.ControllerRevisionHashLabelKey] == first {
			t.Errorf("Pod %s still of revision %s", p.Name, first)
		}
	}
}

func (e *nodesEnv) testDaemonSet(t *testing.T) {
	t.Parallel()
	ns := e.namespace(t, "ds")
	labels := map[string]string{"app": "agent"}
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: ns},
		Spec:       appsv1.DaemonSetSpec{Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: podTemplate(labels, "agent:1")},
	}
	e.create(t, ds)
	e.rolloutStatus(t, ns, "daemonset/agent")
	pods := e.waitPods(t, ns, labels, "agent:1", 2)
	if pods[0].Spec.NodeName == pods[1].Spec.NodeName {
		t.Errorf("both DaemonSet Pods on Node %s", pods[0].Spec.NodeName)
	}
	e.run(t, "-n", ns, "set", "image", "daemonset/agent", "app=agent:2")
	e.rolloutStatus(t, ns, "daemonset/agent")
	e.waitPods(t, ns, labels, "agent:2", 2)
}

// testJob relies on kwok's pod-complete Stage: a Running Pod owned by a
// Job becomes Succeeded.
func (e *nodesEnv) testJob(t *testing.T) {
	t.Parallel()
	ns := e.namespace(t, "job")
	labels := map[string]string{"app": "batch"}
	tmpl := podTemplate(labels, "batch:1")
	tmpl.Spec.RestartPolicy = corev1.RestartPolicyNever
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "batch", Namespace: ns},
		Spec:       batchv1.JobSpec{Completions: ptr.To[int32](2), Parallelism: ptr.To[int32](2), BackoffLimit: ptr.To[int32](0), Template: tmpl},
	}
	e.create(t, job)
	e.run(t, "-n", ns, "wait", "--for=condition=Complete", "job/batch", "--timeout=2m")
	if err := e.cl.Get(t.Context(), client.ObjectKeyFromObject(job), job); err != nil {
		t.Fatal(err)
	}
	if job.Status.Succeeded != 2 || job.Status.Failed != 0 {
		t.Errorf("Job status: succeeded %d, failed %d; want 2, 0", job.Status.Succeeded, job.Status.Failed)
	}
	var pods corev1.PodList
	if err := e.cl.List(t.Context(), &pods, client.InNamespace(ns), client.MatchingLabels(labels)); err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		if p.Status.Phase != corev1.PodSucceeded {
			t.Errorf("Pod %s of the Job in phase %s, want Succeeded", p.Name, p.Status.Phase)
		}
	}
}

func podTemplate(labels map[string]string, image string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}},
	}
}

func (e *nodesEnv) namespace(t *testing.T, name string) string {
	e.create(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	return name
}

func (e *nodesEnv) create(t *testing.T, obj client.Object) {
	t.Helper()
	if err := e.cl.Create(t.Context(), obj); err != nil {
		t.Fatalf("create %T %s: %v", obj, obj.GetName(), err)
	}
}

// run runs kubectl as the administrator and returns its output.
func (e *nodesEnv) run(t *testing.T, args ...string) string {
	t.Helper()
	args = append([]string{"--kubeconfig", e.cp.Kubeconfig}, args...)
	out, err := exec.CommandContext(t.Context(), e.kubectl, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args[2:], " "), err, out)
	}
	return string(out)
}

// rolloutStatus runs `kubectl rollout status`, which returns once the
// rollout of workload has completed.
func (e *nodesEnv) rolloutStatus(t *testing.T, ns, workload string) {
	t.Helper()
	out := e.run(t, "-n", ns, "rollout", "status", workload, "--timeout=2m")
	if !strings.Contains(out, "successfully rolled out") && !strings.Contains(out, "complete") {
		t.Fatalf("kubectl rollout status %s: %s", workload, out)
	}
}

// waitFor polls cond until it holds; its string describes the last state.
func (e *nodesEnv) waitFor(t *testing.T, what string, cond func(context.Context) (bool, string, error)) {
	t.Helper()
	var last string
	err := wait.PollUntilContextTimeout(t.Context(), pollInterval, waitTimeout, true, func(ctx context.Context) (ok bool, err error) {
		ok, last, err = cond(ctx)
		return ok, err
	})
	if err != nil {
		t.Fatalf("%s: %v; last: %s", what, err, last)
	}
}

func (e *nodesEnv) waitDeploymentAvailable(t *testing.T, dep *appsv1.Deployment) {
	t.Helper()
	e.waitFor(t, "Deployment "+dep.Name+" Available", func(ctx context.Context) (bool, string, error) {
		if err := e.cl.Get(ctx, client.ObjectKeyFromObject(dep), dep); err != nil {
			return false, err.Error(), nil
		}
		available := false
		for _, c := range dep.Status.Conditions {
			available = available || c.Type == appsv1.DeploymentAvailable && c.Status == corev1.ConditionTrue
		}
		return available && dep.Status.ReadyReplicas == *dep.Spec.Replicas, fmt.Sprintf("status %+v", dep.Status), nil
	})
}

// waitPods waits until exactly n Pods with labels exist, all Running and
// Ready on a fake Node with image, and returns them.
func (e *nodesEnv) waitPods(t *testing.T, ns string, labels map[string]string, image string, n int) []corev1.Pod {
	t.Helper()
	var pods corev1.PodList
	e.waitFor(t, fmt.Sprintf("%d Pods of %s Running and Ready", n, image), func(ctx context.Context) (bool, string, error) {
		if err := e.cl.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels(labels)); err != nil {
			return false, err.Error(), nil
		}
		var states []string
		ok := len(pods.Items) == n
		for _, p := range pods.Items {
			states = append(states, fmt.Sprintf("%s %s %s on %q ready=%v", p.Name, p.Spec.Containers[0].Image, p.Status.Phase, p.Spec.NodeName, podReady(&p)))
			ok = ok && p.Spec.Containers[0].Image == image && p.Status.Phase == corev1.PodRunning &&
				podReady(&p) && strings.HasPrefix(p.Spec.NodeName, "kwok-node-") && p.DeletionTimestamp == nil
		}
		return ok, strings.Join(states, "; "), nil
	})
	return pods.Items
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// activeReplicaSet returns the ReplicaSet of dep that has all its
// replicas and is ready; exactly one must exist.
func (e *nodesEnv) activeReplicaSet(t *testing.T, dep *appsv1.Deployment) *appsv1.ReplicaSet {
	t.Helper()
	var active []appsv1.ReplicaSet
	e.waitFor(t, "one active ReplicaSet of "+dep.Name, func(ctx context.Context) (bool, string, error) {
		var sets appsv1.ReplicaSetList
		if err := e.cl.List(ctx, &sets, client.InNamespace(dep.Namespace)); err != nil {
			return false, err.Error(), nil
		}
		active = active[:0]
		var states []string
		for _, rs := range sets.Items {
			states = append(states, fmt.Sprintf("%s spec=%d ready=%d", rs.Name, ptr.Deref(rs.Spec.Replicas, 0), rs.Status.ReadyReplicas))
			if ptr.Deref(rs.Spec.Replicas, 0) > 0 {
				active = append(active, rs)
			}
		}
		ok := len(active) == 1 && active[0].Status.ReadyReplicas == *dep.Spec.Replicas
		return ok, strings.Join(states, "; "), nil
	})
	return &active[0]
}
