package workload_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/workload"
)

// realisticReplicaSet is a ReplicaSet of a Deployment with n containers, as
// the API server sends it (managed fields left out: the manager's cache
// strips those of every object).
func realisticReplicaSet(i, n int) *appsv1.ReplicaSet {
	labels := map[string]string{"app": "web", "pod-template-hash": fmt.Sprintf("%010d", i)}
	yes := true
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: "apps", Name: fmt.Sprintf("web-%010d", i), UID: "3f1c6a9e-0000-4000-8000-000000000000", ResourceVersion: "123456",
			Labels: labels, CreationTimestamp: metav1.Now(),
			Annotations: map[string]string{
				"deployment.kubernetes.io/desired-replicas": "3", "deployment.kubernetes.io/max-replicas": "4",
				"deployment.kubernetes.io/revision": "7", v1alpha1.RevisionImagesAnnotation: `{"ghcr.io/acme/web":"ghcr.io/acme/web:1.2.3@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31"}`,
			},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: "u", Controller: &yes}},
		},
		Spec: appsv1.ReplicaSetSpec{Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: map[string]string{v1alpha1.RolloutAnnotation: "web@0d17b565c37b"}}}},
	}
	for c := range n {
		rs.Spec.Template.Spec.Containers = append(rs.Spec.Template.Spec.Containers, corev1.Container{
			Name: fmt.Sprintf("c%d", c), Image: fmt.Sprintf("ghcr.io/acme/web-%d:1.2.3", c),
			Args: []string{"--port=8080", "--log-level=info"},
			Env:  []corev1.EnvVar{{Name: "MODE", Value: "production"}, {Name: "PORT", Value: "8080"}, {Name: "REGION", Value: "eu-west-1"}},
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")}},
			Ports:          []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready"}}},
		})
	}
	return rs
}

func TestStripKeepsWhatImagepinReads(t *testing.T) {
	rs := realisticReplicaSet(1, 2)
	rs.Spec.Template.Spec.InitContainers = []corev1.Container{{Name: "init", Image: "busybox@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31"}}
	out, err := workload.Strip(rs)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*appsv1.ReplicaSet)
	repos, ok := workload.TemplateRepositories(got)
	if diff := cmp.Diff([]string{"ghcr.io/acme/web-0", "ghcr.io/acme/web-1"}, repos); !ok || diff != "" {
		t.Errorf("repositories of the stripped ReplicaSet (-want +got):\n%s", diff)
	}
	if got.CreationTimestamp != rs.CreationTimestamp || got.Name != rs.Name || got.Namespace != rs.Namespace ||
		got.Annotations[v1alpha1.RevisionImagesAnnotation] != rs.Annotations[v1alpha1.RevisionImagesAnnotation] ||
		len(got.Spec.Template.Spec.Containers) != 0 || got.Labels != nil {
		t.Errorf("stripped object %+v", got)
	}
	again, _ := workload.Strip(got)
	if diff := cmp.Diff(got, again); diff != "" {
		t.Errorf("Strip is not idempotent (-once +twice):\n%s", diff)
	}
	whole, _ := workload.TemplateRepositories(rs)
	if !cmp.Equal(whole, repos) {
		t.Errorf("repositories of the whole object %v differ from the stripped one's %v", whole, repos)
	}
}

func TestStripControllerRevision(t *testing.T) {
	cr := &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Name: "db-7c9f8d"},
		Data: kruntime.RawExtension{Raw: []byte(`{"spec":{"template":{"$patch":"replace","metadata":{"labels":{"app":"db"}},"spec":{"containers":[{"name":"db","image":"postgres:16","env":[{"name":"A","value":"b"}]}]}}}}`)}}
	out, _ := workload.Strip(cr)
	stripped := out.(*appsv1.ControllerRevision)
	repos, ok := workload.TemplateRepositories(stripped)
	if !ok || !cmp.Equal(repos, []string{"index.docker.io/library/postgres"}) || stripped.Data.Raw != nil {
		t.Errorf("stripped ControllerRevision: repositories %v, %v, data %q", repos, ok, stripped.Data.Raw)
	}
	junk := &appsv1.ControllerRevision{Data: kruntime.RawExtension{Raw: []byte(`[not json`)}}
	out, _ = workload.Strip(junk)
	if repos, ok := workload.TemplateRepositories(out.(*appsv1.ControllerRevision)); !ok || len(repos) != 0 {
		t.Errorf("a ControllerRevision without a template has repositories %v", repos)
	}
}

// TestRepositories: tag references count, digests and non-references do
// not, and nothing of a template whose Pods opt out.
func TestRepositories(t *testing.T) {
	tmpl := corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		InitContainers: []corev1.Container{{Image: "nginx"}},
		Containers:     []corev1.Container{{Image: "docker.io/library/nginx:1"}, {Image: "ghcr.io/x/y@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31"}, {Image: "Not A Ref"}, {Image: "localhost:5000/a/b:2"}},
	}}
	if got, want := workload.Repositories(tmpl), []string{"index.docker.io/library/nginx", "localhost:5000/a/b"}; !cmp.Equal(got, want) {
		t.Errorf("Repositories = %v; want %v", got, want)
	}
	tmpl.Labels = map[string]string{v1alpha1.PinningLabel: v1alpha1.PinningDisabled}
	if got := workload.Repositories(tmpl); got != nil {
		t.Errorf("Repositories of an opted-out template = %v", got)
	}
}

// BenchmarkCacheMemory reports the heap that 1,000 ReplicaSets of 10
// containers hold in the cache, stripped as imagepin's cache stores them
// and whole, for comparison.
func BenchmarkCacheMemory(b *testing.B) {
	for _, strip := range []bool{true, false} {
		b.Run(fmt.Sprintf("strip=%v", strip), func(b *testing.B) {
			var perThousand float64
			for b.Loop() {
				perThousand = retained(func() any {
					keep := make([]any, 1000)
					for i := range keep {
						var obj any = realisticReplicaSet(i, 10)
						if strip {
							obj, _ = workload.Strip(obj)
						}
						keep[i] = obj
					}
					return keep
				})
			}
			b.ReportMetric(perThousand/1024, "KiB/1000-ReplicaSets")
		})
	}
}

// retained returns the heap bytes that the value made by build keeps alive.
func retained(build func() any) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	return float64(after.HeapAlloc) - float64(before.HeapAlloc)
}
