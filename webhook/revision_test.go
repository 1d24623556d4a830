package webhook_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/revision"
	"github.com/imagepin/imagepin/webhook"
)

// TestRevisionPinning checks that a Pod of a workload revision gets the
// image its revision started with, not the policy's moving current: by the
// record on the revision, else by the revision's creation time against
// status.history; and that bare Pods and unknown owners get current.
func TestRevisionPinning(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	v1 := "nginx:1.24.0@" + olderDigest
	v2 := "nginx:1.25.3@" + nginxDigest
	p := imagePolicy("apps", "web", "nginx", v2)
	p.Status.History = []v1alpha1.ImageRecord{
		{Image: v2, Since: metav1.NewTime(now.Add(-time.Hour))},
		{Image: v1, Since: metav1.NewTime(now.Add(-48 * time.Hour))},
	}
	p.Status.Current.Since = p.Status.History[0].Since
	recorded := "nginx:1.23.0@" + strings.Replace(olderDigest, "5e8b", "5e8c", 1)
	objs := []client.Object{
		namespace("apps", v1alpha1.PinningEnabled), p,
		replicaSet("web-old", now.Add(-24*time.Hour), ""),
		replicaSet("web-new", now.Add(-time.Minute), ""),
		replicaSet("web-settling", now.Add(-time.Hour+revision.Settle-time.Second), ""),
		replicaSet("web-recorded", now.Add(-time.Minute), revision.FormatRecord(map[string]string{"index.docker.io/library/nginx": recorded})),
		replicaSet("web-bad-record", now.Add(-24*time.Hour), revision.FormatRecord(map[string]string{"index.docker.io/library/nginx": "evil.example/x@" + nginxDigest})),
		controllerRevision("db-7c9f8d", now.Add(-24*time.Hour)),
		controllerRevision("agent-5d8f", now.Add(-24*time.Hour)),
		job("migrate", now.Add(-24*time.Hour)),
	}
	h, err := webhook.NewPodHandler(own, fakeCache(t, objs...), refuse{t})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		owner  *metav1.OwnerReference
		labels map[string]string
		want   string
	}{
		"bare Pod":                          {want: v2},
		"ReplicaSet from before the change": {owner: owner("apps/v1", "ReplicaSet", "web-old"), want: v1},
		"ReplicaSet from after the change":  {owner: owner("apps/v1", "ReplicaSet", "web-new"), want: v2},
		"ReplicaSet created while settling": {owner: owner("apps/v1", "ReplicaSet", "web-settling"), want: v1},
		"ReplicaSet with a record":          {owner: owner("apps/v1", "ReplicaSet", "web-recorded"), want: recorded},
		"record of another repository":      {owner: owner("apps/v1", "ReplicaSet", "web-bad-record"), want: v1},
		"ReplicaSet not in the cache yet":   {owner: owner("apps/v1", "ReplicaSet", "web-unseen"), want: v2},
		"StatefulSet revision":              {owner: owner("apps/v1", "StatefulSet", "db"), labels: map[string]string{"controller-revision-hash": "db-7c9f8d"}, want: v1},
		"DaemonSet revision":                {owner: owner("apps/v1", "DaemonSet", "agent"), labels: map[string]string{"controller-revision-hash": "5d8f"}, want: v1},
		"Job":                               {owner: owner("batch/v1", "Job", "migrate"), want: v1},
		"unknown controller":                {owner: owner("example.com/v1", "Thing", "web-old"), want: v2},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pod := &corev1.Pod{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
				ObjectMeta: metav1.ObjectMeta{Namespace: "apps", GenerateName: "web-", Labels: tc.labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.25"}}},
			}
			if tc.owner != nil {
				pod.OwnerReferences = []metav1.OwnerReference{*tc.owner}
			}
			raw, err := json.Marshal(pod)
			if err != nil {
				t.Fatal(err)
			}
			req := admission.Request{AdmissionRequest: *podRequest("apps", raw)}
			resp := h.Handle(t.Context(), req)
			var got corev1.Pod
			if err := json.Unmarshal(applyPatch(t, raw, resp), &got); err != nil {
				t.Fatal(err)
			}
			if img := got.Spec.Containers[0].Image; img != tc.want {
				t.Errorf("image = %q; want %q (warnings %q)", img, tc.want, resp.Warnings)
			}
		})
	}
}

func owner(apiVersion, kind, name string) *metav1.OwnerReference {
	yes := true
	return &metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: name, UID: types.UID("u-" + name), Controller: &yes}
}

func replicaSet(name string, created time.Time, record string) *appsv1.ReplicaSet {
	rs := &appsv1.ReplicaSet{ObjectMeta: revisionMeta(name, created)}
	if record != "" {
		rs.Annotations = map[string]string{v1alpha1.RevisionImagesAnnotation: record}
	}
	return rs
}

func controllerRevision(name string, created time.Time) *appsv1.ControllerRevision {
	return &appsv1.ControllerRevision{ObjectMeta: revisionMeta(name, created), Data: runtime.RawExtension{Raw: []byte(`{"spec":{"template":{}}}`)}}
}

func job(name string, created time.Time) *batchv1.Job {
	return &batchv1.Job{ObjectMeta: revisionMeta(name, created)}
}

func revisionMeta(name string, created time.Time) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: "apps", Name: name, CreationTimestamp: metav1.NewTime(created)}
}

// TestGovernedWithoutCurrent: a policy that has not chosen an image yet, or
// whose current names another repository than spec.image, cannot pin. A
// strict namespace denies the image and names the policy; an enabled one
// resolves the tag in the registry and says why in a warning.
func TestGovernedWithoutCurrent(t *testing.T) {
	moved := imagePolicy("secure", "moved", "registry.example/new", "registry.example/old:1@"+nginxDigest)
	moved2 := imagePolicy("apps", "moved", "registry.example/new", "registry.example/old:1@"+nginxDigest)
	objs := []client.Object{
		namespace("apps", v1alpha1.PinningEnabled), namespace("secure", v1alpha1.PinningStrict),
		imagePolicy("apps", "pending", "registry.example/app", ""),
		imagePolicy("secure", "pending", "registry.example/app", ""),
		moved, moved2,
	}
	res := &counting{}
	h, err := webhook.NewPodHandler(own, fakeCache(t, objs...), res)
	if err != nil {
		t.Fatal(err)
	}
	for _, image := range []string{"registry.example/app:1", "registry.example/new:2"} {
		resp := handle(t, h, "secure", image)
		if resp.Allowed || !strings.Contains(resp.Result.Message, "ImagePolicy") {
			t.Errorf("strict, %s: allowed=%v message %q; want a denial naming the policy", image, resp.Allowed, resp.Result.Message)
		}
		resp = handle(t, h, "apps", image)
		if !resp.Allowed || len(resp.Patches) == 0 || !strings.Contains(strings.Join(resp.Warnings, "\n"), "tag resolved in the registry instead") {
			t.Errorf("enabled, %s: allowed=%v patches=%d warnings %q; want resolved with a warning", image, resp.Allowed, len(resp.Patches), resp.Warnings)
		}
	}
	if n := res.calls.Load(); n != 2 {
		t.Errorf("registry calls = %d; want 2 (enabled namespace only)", n)
	}
	if resp := handle(t, h, "secure", "registry.example/new:2"); !strings.Contains(resp.Result.Message, "not a digest of spec.image") {
		t.Errorf("strict denial %q does not say current belongs to another repository", resp.Result.Message)
	}
}
