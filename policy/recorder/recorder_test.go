package recorder_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/imagepin/imagepin/internal/testenv/controlplane"
	"github.com/imagepin/imagepin/internal/testenv/kubescheme"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/recorder"
	"github.com/imagepin/imagepin/policy/revision"
	"github.com/imagepin/imagepin/workload"
)

var (
	cp     *controlplane.ControlPlane
	cl     client.Client
	scheme = kubescheme.Must()
)

// One real API server with kube-controller-manager (Deployments make
// ReplicaSets, StatefulSets make ControllerRevisions) and one recorder;
// the tests play the scanner by writing policy status.
func TestMain(m *testing.M) {
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr)))
	opts := controlplane.Options{CRDDirs: []string{"charts/imagepin/crds"}, ControllerManager: true}
	os.Exit(controlplane.RunTests(m, opts, func(c *controlplane.ControlPlane) error {
		cp = c
		var err error
		if cl, err = client.New(cp.Config, client.Options{Scheme: scheme}); err != nil {
			return err
		}
		return startRecorder()
	}))
}

func startRecorder() error {
	mgr, err := ctrl.NewManager(cp.Config, ctrl.Options{
		Scheme: scheme, Cache: cache.Options{ByObject: workload.CacheByObject()},
		Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0",
	})
	if err != nil {
		return err
	}
	ctx := context.Background()
	r, err := recorder.New(recorder.Options{Client: mgr.GetClient(), Registerer: prometheus.NewRegistry()})
	if err != nil {
		return err
	}
	if err := r.SetupWithManager(ctx, mgr); err != nil {
		return err
	}
	go func() {
		if err := mgr.Start(ctx); err != nil {
			panic(err)
		}
	}()
	return nil
}

const nginx = "index.docker.io/library/nginx"

func digest(hex string) string { return "sha256:" + strings.Repeat(hex, 64) }

// TestRecordsOnceAndForever: a revision gets the image the webhook gives
// it, and keeps it when current moves; a revision made after the move gets
// the new one; a revision older than the policy gets the first value.
func TestRecordsOnceAndForever(t *testing.T) {
	ns := namespace(t, v1alpha1.PinningEnabled)
	old := create(t, deployment(ns, "before-policy", "nginx:1"))
	waitReplicaSet(t, old)
	p := create(t, &v1alpha1.ImagePolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec: v1alpha1.ImagePolicySpec{Image: "nginx", Select: v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: ">=1"}}}})
	v1 := "nginx:1.0@" + digest("a")
	setCurrent(t, p, v1, time.Now().Add(-time.Hour))
	wantRecord(t, waitReplicaSet(t, old), v1)

	web := create(t, deployment(ns, "web", "nginx:1", "busybox:1"))
	wantRecord(t, waitReplicaSet(t, web), v1)
	v2 := "nginx:2.0@" + digest("b")
	setCurrent(t, p, v2, time.Now().Add(-time.Minute))
	later := create(t, deployment(ns, "later", "nginx:2"))
	wantRecord(t, waitReplicaSet(t, later), v2)
	time.Sleep(time.Second) // a rewrite of the older records would show by now
	wantRecord(t, waitReplicaSet(t, web), v1)
	wantRecord(t, waitReplicaSet(t, old), v1)

	job := create(t, &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "migrate"},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{Name: "m", Image: "nginx:2"}}}}}})
	wantRecord(t, job, v2)
	labels := map[string]string{"app": "db"}
	create(t, &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "db"},
		Spec: appsv1.StatefulSetSpec{Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{
				Containers: []corev1.Container{{Name: "db", Image: "nginx:2"}}}}}})
	var revs appsv1.ControllerRevisionList
	eventually(t, "the StatefulSet's ControllerRevision", func(ctx context.Context) (bool, error) {
		err := cl.List(ctx, &revs, client.InNamespace(ns), client.MatchingLabels(labels))
		return err == nil && len(revs.Items) == 1, err
	})
	wantRecord(t, &revs.Items[0], v2)
}

// TestNoRecordOutsideOptIn: namespaces that do not opt in, repositories no
// policy governs and images named by digest get no record.
func TestNoRecordOutsideOptIn(t *testing.T) {
	plain := namespace(t, "")
	p := create(t, &v1alpha1.ImagePolicy{ObjectMeta: metav1.ObjectMeta{Namespace: plain, Name: "web"},
		Spec: v1alpha1.ImagePolicySpec{Image: "nginx", Select: v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: ">=1"}}}})
	setCurrent(t, p, "nginx:1@"+digest("a"), time.Now().Add(-time.Hour))
	enabled := namespace(t, v1alpha1.PinningEnabled)
	rss := []*appsv1.ReplicaSet{
		waitReplicaSet(t, create(t, deployment(plain, "web", "nginx:1"))),
		waitReplicaSet(t, create(t, deployment(enabled, "ungoverned", "nginx:1"))),
		waitReplicaSet(t, create(t, deployment(enabled, "digest", "nginx@"+digest("c")))),
	}
	// A revision that must be recorded, to know the recorder has caught up.
	q := create(t, &v1alpha1.ImagePolicy{ObjectMeta: metav1.ObjectMeta{Namespace: enabled, Name: "redis"},
		Spec: v1alpha1.ImagePolicySpec{Image: "redis", Select: v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: ">=1"}}}})
	setCurrent(t, q, "redis:7@"+digest("d"), time.Now().Add(-time.Hour))
	wantRecordOf(t, waitReplicaSet(t, create(t, deployment(enabled, "marker", "redis:7"))), "index.docker.io/library/redis", "redis:7@"+digest("d"))
	for _, rs := range rss {
		if err := cl.Get(t.Context(), client.ObjectKeyFromObject(rs), rs); err != nil {
			t.Fatal(err)
		}
		if v, ok := rs.Annotations[v1alpha1.RevisionImagesAnnotation]; ok {
			t.Errorf("%s/%s recorded %s; want no record", rs.Namespace, rs.Name, v)
		}
	}
}

func namespace(t *testing.T, mode string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "rec-", Labels: map[string]string{}}}
	if mode != "" {
		ns.Labels[v1alpha1.PinningLabel] = mode
	}
	create(t, ns)
	return ns.Name
}

func create[T client.Object](t *testing.T, obj T) T {
	t.Helper()
	if err := cl.Create(t.Context(), obj); err != nil {
		t.Fatal(err)
	}
	return obj
}

func deployment(ns, name string, images ...string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}}}}
	for i, img := range images {
		d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers, corev1.Container{Name: string(rune('a' + i)), Image: img})
	}
	return d
}

func setCurrent(t *testing.T, p *v1alpha1.ImagePolicy, image string, since time.Time) {
	t.Helper()
	if err := cl.Get(t.Context(), client.ObjectKeyFromObject(p), p); err != nil {
		t.Fatal(err)
	}
	_, dig, _ := strings.Cut(image, "@")
	rec := v1alpha1.ImageRecord{Image: image, Digest: dig, Source: v1alpha1.SourceScan, Since: metav1.NewTime(since)}
	p.Status.Current = &v1alpha1.CurrentImage{ImageRecord: rec}
	p.Status.History = append([]v1alpha1.ImageRecord{rec}, p.Status.History...)
	if err := cl.Status().Update(t.Context(), p); err != nil {
		t.Fatal(err)
	}
}

func waitReplicaSet(t *testing.T, d *appsv1.Deployment) *appsv1.ReplicaSet {
	t.Helper()
	var list appsv1.ReplicaSetList
	eventually(t, "the ReplicaSet of "+d.Name, func(ctx context.Context) (bool, error) {
		err := cl.List(ctx, &list, client.InNamespace(d.Namespace), client.MatchingLabels{"app": d.Name})
		return err == nil && len(list.Items) == 1, err
	})
	return &list.Items[0]
}

func wantRecord(t *testing.T, obj client.Object, image string) {
	t.Helper()
	wantRecordOf(t, obj, nginx, image)
}

// wantRecordOf waits until obj's record holds an entry for repo and checks it.
func wantRecordOf(t *testing.T, obj client.Object, repo, image string) {
	t.Helper()
	var got map[string]string
	eventually(t, "the record of "+obj.GetName(), func(ctx context.Context) (bool, error) {
		if err := cl.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			return false, err
		}
		got = revision.ParseRecord(obj.GetAnnotations()[v1alpha1.RevisionImagesAnnotation])
		return got[repo] != "", nil
	})
	if got[repo] != image || len(got) != 1 {
		t.Errorf("%s: record %v; want %s: %s alone", obj.GetName(), got, repo, image)
	}
}

func eventually(t *testing.T, what string, cond func(context.Context) (bool, error)) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, 30*time.Second, true, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}
