package rollout

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/e2e/stack"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

const (
	poll    = 200 * time.Millisecond
	timeout = 3 * time.Minute
	nodes   = 3
)

// env is the stack and one namespace of the test.
type env struct {
	*stack.Stack
	ns string
}

// newEnv creates a namespace labelled mode with the registry's Secrets.
func newEnv(t *testing.T, s *stack.Stack, mode string) *env {
	t.Helper()
	e := &env{Stack: s, ns: fmt.Sprintf("roll-%d", time.Now().UnixNano()%1e6)}
	secrets, err := s.Secrets(e.ns)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Create(t.Context(), append([]client.Object{stack.NewNamespace(e.ns, mode)}, secrets...)...); err != nil {
		t.Fatal(err)
	}
	e.eventually(t, "the namespace's default ServiceAccount", func(ctx context.Context) (bool, error) {
		return s.Client.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: "default"}, &corev1.ServiceAccount{}) == nil, nil
	})
	return e
}

// repo is a repository of the registry with the digests of its tags.
type repo struct {
	path, image string
	digests     map[string]string
}

// newRepo pushes tags to a new repository of the registry.
func (e *env) newRepo(t *testing.T, name string, tags ...string) *repo {
	t.Helper()
	r := &repo{path: e.ns + "/" + name, digests: map[string]string{}}
	r.image = e.Registry.Repo(r.path)
	e.push(t, r, tags...)
	return r
}

func (e *env) push(t *testing.T, r *repo, tags ...string) {
	t.Helper()
	d, err := e.Registry.Push(t.Context(), r.path, tags...)
	if err != nil {
		t.Fatal(err)
	}
	for tag, h := range d {
		r.digests[tag] = h.String()
	}
}

// pinned is the reference the webhook writes for tag.
func (r *repo) pinned(tag string) string { return r.image + ":" + tag + "@" + r.digests[tag] }

// policy creates a policy for r: the newest 1.x tag, scanned every 2 s.
func (e *env) policy(t *testing.T, name string, r *repo, strategy v1alpha1.RolloutStrategy) *v1alpha1.ImagePolicy {
	t.Helper()
	p := &v1alpha1.ImagePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: name},
		Spec: v1alpha1.ImagePolicySpec{
			Image: r.image, Schedule: "@every 2s",
			Select:      v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: ">=1.0.0 <2.0.0"}},
			SecretRef:   &v1alpha1.LocalObjectReference{Name: stack.PullSecret},
			CASecretRef: &v1alpha1.LocalObjectReference{Name: stack.CASecret},
			Rollout:     &v1alpha1.Rollout{Strategy: strategy},
		},
	}
	if err := e.Create(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitCurrent waits until p's current is r's tag.
func (e *env) waitCurrent(t *testing.T, p *v1alpha1.ImagePolicy, r *repo, tag string) {
	t.Helper()
	if _, err := e.WaitPolicy(t.Context(), client.ObjectKeyFromObject(p), "current "+tag, func(p *v1alpha1.ImagePolicy) bool {
		return p.Status.Current != nil && p.Status.Current.Image == r.pinned(tag)
	}); err != nil {
		t.Fatal(err)
	}
}

// waitRollout waits until p's status.rollout names r's tag.
func (e *env) waitRollout(t *testing.T, p *v1alpha1.ImagePolicy, r *repo, tag string) *v1alpha1.RolloutStatus {
	t.Helper()
	got, err := e.WaitPolicy(t.Context(), client.ObjectKeyFromObject(p), "status.rollout "+tag, func(p *v1alpha1.ImagePolicy) bool {
		return p.Status.Rollout != nil && p.Status.Rollout.Image == r.pinned(tag)
	})
	if err != nil {
		t.Fatal(err)
	}
	return got.Status.Rollout
}

// podTemplate is a template of one container running image.
func podTemplate(app, image string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": app}},
		Spec: corev1.PodSpec{
			Containers:       []corev1.Container{{Name: "app", Image: image}},
			ImagePullSecrets: []corev1.LocalObjectReference{{Name: stack.PullSecret}},
		},
	}
}

// deployment creates a Deployment with maxUnavailable 1 and maxSurge 1.
func (e *env) deployment(t *testing.T, name, image string, replicas int32) *appsv1.Deployment {
	t.Helper()
	one := intstr.FromInt32(1)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: podTemplate(name, image),
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &one, MaxSurge: &one}},
		},
	}
	if err := e.Create(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	return d
}

// kubectl runs kubectl in the namespace and fails the test on an error.
func (e *env) kubectl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := e.Kubectl(t.Context(), append([]string{"-n", e.ns}, args...)...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// rolloutStatus waits with kubectl until the workload's rollout is done.
func (e *env) rolloutStatus(t *testing.T, workload string) {
	t.Helper()
	e.kubectl(t, "rollout", "status", workload, "--timeout="+timeout.String())
}

// pods returns the live Pods labelled app.
func (e *env) pods(t *testing.T, app string) []corev1.Pod {
	t.Helper()
	var list corev1.PodList
	if err := e.Client.List(t.Context(), &list, client.InNamespace(e.ns), client.MatchingLabels{"app": app}); err != nil {
		t.Fatal(err)
	}
	var live []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			live = append(live, p)
		}
	}
	return live
}

// waitPodsRun waits until app has n live Pods, all running image (and
// Ready, unless they belong to a Job), and returns them.
func (e *env) waitPodsRun(t *testing.T, app string, n int, image string) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	var why string
	err := wait.PollUntilContextTimeout(t.Context(), poll, timeout, true, func(context.Context) (bool, error) {
		pods = e.pods(t, app)
		if len(pods) != n {
			why = fmt.Sprintf("%d Pods", len(pods))
			return false, nil
		}
		for _, p := range pods {
			if got := p.Spec.Containers[0].Image; got != image {
				why = fmt.Sprintf("Pod %s runs %s", p.Name, got)
				return false, nil
			}
			if !ready(p) && p.Status.Phase != corev1.PodSucceeded {
				why = fmt.Sprintf("Pod %s is not ready (%s)", p.Name, p.Status.Phase)
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("%d Pods of %s running %s: %s: %v", n, app, image, why, err)
	}
	return pods
}

func ready(p corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// replicaSets returns the ReplicaSets of the Deployment labelled app.
func (e *env) replicaSets(t *testing.T, app string) []appsv1.ReplicaSet {
	t.Helper()
	var list appsv1.ReplicaSetList
	if err := e.Client.List(t.Context(), &list, client.InNamespace(e.ns), client.MatchingLabels{"app": app}); err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// bounds watches the ReplicaSets of a Deployment until stop is called
// and keeps the fewest available Pods they reported and the most Pods they
// were asked for at once. maxSurge bounds the latter, the sum of the
// ReplicaSets' spec.replicas, which is what the Deployment controller
// computes with; the sum of status.replicas may pass it for a moment, when
// the new ReplicaSet reports its next Pod before the old one reports the
// Pod it was just scaled down by (seen once in CI: 6 with 4 replicas and
// maxSurge 1).
type bounds struct {
	mu                    sync.Mutex
	minAvailable, maxPods int32
	samples               int
	stop                  func()
}

func (e *env) watchBounds(t *testing.T, app string) *bounds {
	t.Helper()
	b := &bounds{minAvailable: 1 << 30}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	b.stop = sync.OnceFunc(func() { cancel(); <-done })
	go func() {
		defer close(done)
		_ = wait.PollUntilContextCancel(ctx, 50*time.Millisecond, true, func(ctx context.Context) (bool, error) {
			var list appsv1.ReplicaSetList
			if err := e.Client.List(ctx, &list, client.InNamespace(e.ns), client.MatchingLabels{"app": app}); err != nil {
				return false, nil
			}
			var available, pods int32
			for _, rs := range list.Items {
				available += rs.Status.AvailableReplicas
				pods += ptr.Deref(rs.Spec.Replicas, 1)
			}
			b.mu.Lock()
			b.minAvailable, b.maxPods = min(b.minAvailable, available), max(b.maxPods, pods)
			b.samples++
			b.mu.Unlock()
			return false, nil
		})
	}()
	t.Cleanup(b.stop)
	return b
}

func (e *env) eventually(t *testing.T, what string, cond func(context.Context) (bool, error)) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(t.Context(), poll, timeout, true, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// events returns the notes of the Events about the object named name with
// reason.
func (e *env) events(t *testing.T, name, reason string) []string {
	t.Helper()
	var list eventsv1.EventList
	if err := e.Client.List(t.Context(), &list, client.InNamespace(e.ns)); err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, ev := range list.Items {
		if ev.Regarding.Name == name && ev.Reason == reason {
			notes = append(notes, ev.Note)
		}
	}
	return notes
}
