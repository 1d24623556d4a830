package rollout_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/imagepin/imagepin/internal/testenv"
	"github.com/imagepin/imagepin/internal/testenv/controlplane"
	"github.com/imagepin/imagepin/internal/testenv/kubescheme"
	"github.com/imagepin/imagepin/internal/testenv/promtest"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/rollout"
	"github.com/imagepin/imagepin/workload"
)

// The tests share one real API server with kube-controller-manager, so that
// Deployments make ReplicaSets; each test runs its own rollout controller
// in its own namespaces and plays the scanner by writing policy status.
var (
	cp     *controlplane.ControlPlane
	cl     client.Client
	scheme = kubescheme.Must()
)

func TestMain(m *testing.M) {
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr)))
	opts := controlplane.Options{CRDDirs: []string{"charts/imagepin/crds"}, ControllerManager: true}
	os.Exit(controlplane.RunTests(m, opts, func(c *controlplane.ControlPlane) (err error) {
		cp = c
		cl, err = client.New(cp.Config, client.Options{Scheme: scheme})
		return err
	}))
}

// startController runs a manager with the rollout controller until the
// returned stop is called (or the test ends). Its metrics go to
// opts.Registerer when set.
func startController(t *testing.T, opts rollout.Options) (stop func()) {
	t.Helper()
	mgr, err := ctrl.NewManager(cp.Config, ctrl.Options{
		Scheme:                 scheme,
		Cache:                  cache.Options{ByObject: workload.CacheByObject()},
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: ptr.To(true)}, // one controller per test
	})
	if err != nil {
		t.Fatal(err)
	}
	opts.Client, opts.APIReader = mgr.GetClient(), mgr.GetAPIReader()
	opts.Events = mgr.GetEventRecorder("imagepin-rollout")
	if opts.Registerer == nil {
		opts.Registerer = prometheus.NewRegistry()
	}
	c, err := rollout.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetupWithManager(t.Context(), mgr); err != nil {
		t.Fatal(err)
	}
	return testenv.Run(t, "manager", mgr.Start)
}

// digest is a valid digest made of one repeated hex digit.
func digest(hex string) string { return "sha256:" + strings.Repeat(hex, 64) }

// namespace creates a namespace labelled mode ("" for none).
func namespace(t *testing.T, mode string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "rollout-", Labels: map[string]string{}}}
	if mode != "" {
		ns.Labels[v1alpha1.PinningLabel] = mode
	}
	if err := cl.Create(t.Context(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// policy creates a policy for repo with the given strategy ("" for the
// default) and no status.
func policy(t *testing.T, ns, name, repo string, strategy v1alpha1.RolloutStrategy) *v1alpha1.ImagePolicy {
	t.Helper()
	p := &v1alpha1.ImagePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       v1alpha1.ImagePolicySpec{Image: repo, Select: v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: ">=1"}}},
	}
	if strategy != "" {
		p.Spec.Rollout = &v1alpha1.Rollout{Strategy: strategy}
	}
	if err := cl.Create(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

// setCurrent makes image (repo:tag@digest) p's current since the given
// time, pushing the old current into the history, as the scanner does.
func setCurrent(t *testing.T, p *v1alpha1.ImagePolicy, image string, since time.Time) {
	t.Helper()
	err := wait.PollUntilContextTimeout(t.Context(), 50*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		if err := cl.Get(ctx, client.ObjectKeyFromObject(p), p); err != nil {
			return false, err
		}
		ref, dig, _ := strings.Cut(image, "@")
		rec := v1alpha1.ImageRecord{Image: image, Tag: ref[strings.LastIndex(ref, ":")+1:],
			Digest: dig, Source: v1alpha1.SourceScan, Since: metav1.NewTime(since)}
		p.Status.Current = &v1alpha1.CurrentImage{ImageRecord: rec}
		p.Status.History = append([]v1alpha1.ImageRecord{rec}, p.Status.History...)
		err := cl.Status().Update(ctx, p)
		return err == nil, client.IgnoreAlreadyExists(ignoreConflict(err))
	})
	if err != nil {
		t.Fatalf("set current of %s: %v", p.Name, err)
	}
}

func ignoreConflict(err error) error {
	if err != nil && strings.Contains(err.Error(), "the object has been modified") {
		return nil
	}
	return err
}

// deployment creates a Deployment with one container per image.
func deployment(t *testing.T, ns, name string, mods func(*appsv1.Deployment), images ...string) *appsv1.Deployment {
	t.Helper()
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: podSpec(images...)},
		},
	}
	if mods != nil {
		mods(d)
	}
	if err := cl.Create(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	return d
}

func podSpec(images ...string) corev1.PodSpec {
	var s corev1.PodSpec
	for i, img := range images {
		s.Containers = append(s.Containers, corev1.Container{Name: fmt.Sprintf("c%d", i), Image: img})
	}
	return s
}

// eventually polls cond for up to 30 s and fails the test with what.
func eventually(t *testing.T, what string, cond func(context.Context) (bool, error)) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, 30*time.Second, true, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// templateValue is the rollout annotation of a workload's Pod template.
func templateValue(t *testing.T, obj client.Object) string {
	t.Helper()
	if err := cl.Get(t.Context(), client.ObjectKeyFromObject(obj), obj); err != nil {
		t.Fatal(err)
	}
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return o.Spec.Template.Annotations[v1alpha1.RolloutAnnotation]
	case *appsv1.StatefulSet:
		return o.Spec.Template.Annotations[v1alpha1.RolloutAnnotation]
	case *appsv1.DaemonSet:
		return o.Spec.Template.Annotations[v1alpha1.RolloutAnnotation]
	}
	t.Fatalf("unexpected %T", obj)
	return ""
}

// replicaSets counts the ReplicaSets of a Deployment's namespace and app label.
func replicaSets(t *testing.T, d *appsv1.Deployment) int {
	t.Helper()
	var list appsv1.ReplicaSetList
	if err := cl.List(t.Context(), &list, client.InNamespace(d.Namespace), client.MatchingLabels{"app": d.Name}); err != nil {
		t.Fatal(err)
	}
	return len(list.Items)
}

// rolledOut waits until p's status.rollout names image.
func rolledOut(t *testing.T, p *v1alpha1.ImagePolicy, image string) *v1alpha1.RolloutStatus {
	t.Helper()
	eventually(t, "status.rollout of "+image, func(ctx context.Context) (bool, error) {
		if err := cl.Get(ctx, client.ObjectKeyFromObject(p), p); err != nil {
			return false, err
		}
		return p.Status.Rollout != nil && p.Status.Rollout.Image == image, nil
	})
	return p.Status.Rollout
}

// rollouts reads imagepin_rollouts_total{result} from reg.
func rollouts(t *testing.T, reg prometheus.Gatherer, result string) float64 {
	t.Helper()
	return promtest.Value(t, reg, "imagepin_rollouts_total", map[string]string{"result": result})
}

// events are the reasons of the rollout controller's events regarding
// objects named name (a policy, a workload) in namespace ns.
func events(t *testing.T, ns, name string) []string {
	t.Helper()
	var list eventsv1.EventList
	if err := cl.List(t.Context(), &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, ev := range list.Items {
		if ev.Regarding.Name == name && ev.ReportingController == "imagepin-rollout" {
			reasons = append(reasons, ev.Reason)
		}
	}
	return reasons
}
