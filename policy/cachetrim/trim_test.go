package cachetrim_test

import (
	"encoding/json"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/cachetrim"
)

var managed = []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationApply,
	FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(`{"f:spec":{}}`)}}

// TestPolicyKeepsEveryValue: the transform drops managedFields and the
// last-applied configuration and nothing else, whatever the policy holds.
func TestPolicyKeepsEveryValue(t *testing.T) {
	want := fleetPolicy(7)
	want.Annotations = map[string]string{v1alpha1.ScanRequestedAnnotation: "now"}
	want.Spec.WriteBack = &v1alpha1.WriteBack{Git: v1alpha1.GitWriteBack{URL: "https://git.example.com/c.git", Branch: "main", Path: "apps/"}}
	want.Spec.SecretRef = &v1alpha1.LocalObjectReference{Name: "regcred"}
	want.Spec.Platform = "linux/arm64"
	want.Status.WriteBack = &v1alpha1.WriteBackStatus{Commit: "0123abc", URL: "https://git.example.com/c.git", Branch: "main"}
	want.Status.Rollout = &v1alpha1.RolloutStatus{Image: want.Status.Current.Image, Count: 1,
		Workloads: []v1alpha1.WorkloadReference{{Kind: "Deployment", Name: "web"}}}
	in := want.DeepCopy()
	in.ManagedFields = managed
	in.Annotations[cachetrim.LastAppliedAnnotation] = `{"apiVersion":"imagepin.dev/v1alpha1"}`
	out, err := cachetrim.Policy(in)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("cached policy (-want +got):\n%s", diff)
	}
}

// TestPolicySharesStrings: values that policies hold alike, decoded apart
// as an informer decodes them, end up in one copy.
func TestPolicySharesStrings(t *testing.T) {
	a, b := decoded(t, fleetPolicy(0)), decoded(t, fleetPolicy(10)) // same namespace, digest and range
	for _, p := range []*v1alpha1.ImagePolicy{a, b} {
		if _, err := cachetrim.Policy(p); err != nil {
			t.Fatal(err)
		}
	}
	same := map[string][2]string{
		"namespace":                {a.Namespace, b.Namespace},
		"label":                    {a.Labels["app.kubernetes.io/managed-by"], b.Labels["app.kubernetes.io/managed-by"]},
		"range":                    {a.Spec.Select.SemVer.Range, b.Spec.Select.SemVer.Range},
		"digest of latest, a":      {a.Status.Latest.Digest, a.Status.Current.Digest},
		"digest of history, a":     {a.Status.History[0].Digest, a.Status.Current.Digest},
		"image of history, a":      {a.Status.History[0].Image, a.Status.Current.Image},
		"digest, a and b":          {a.Status.Current.Digest, b.Status.Current.Digest},
		"reason of conditions":     {a.Status.Conditions[0].Reason, b.Status.Conditions[1].Reason},
		"message of Scanned":       {a.Status.Conditions[0].Message, b.Status.Conditions[0].Message},
		"source of current, a, b":  {string(a.Status.Current.Source), string(b.Status.Current.Source)},
		"status of conditions, a":  {string(a.Status.Conditions[0].Status), string(a.Status.Conditions[1].Status)},
		"schedule of a and b":      {a.Spec.Schedule, b.Spec.Schedule},
		"short digest of a and b":  {a.Status.Current.ShortDigest, b.Status.Current.ShortDigest},
		"tag of latest and record": {a.Status.Latest.Tag, b.Status.History[0].Tag},
	}
	for what, s := range same {
		if s[0] != s[1] {
			t.Fatalf("%s: %q and %q differ; the test's policies should hold one value", what, s[0], s[1])
		}
		if unsafe.StringData(s[0]) != unsafe.StringData(s[1]) {
			t.Errorf("%s: %q is held twice", what, s[0])
		}
	}
}

// decoded is p as an informer holds it: decoded from JSON, every string a
// copy of its own.
func decoded(t *testing.T, p *v1alpha1.ImagePolicy) *v1alpha1.ImagePolicy {
	t.Helper()
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var out v1alpha1.ImagePolicy
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

// TestMeta: other kinds lose managedFields and the last-applied
// configuration alone; an object without either is left as it is.
func TestMeta(t *testing.T) {
	tests := map[string]struct {
		in, want metav1.Object
	}{
		"namespace": {
			in: &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "apps", ManagedFields: managed,
				Labels:      map[string]string{v1alpha1.PinningLabel: v1alpha1.PinningEnabled},
				Annotations: map[string]string{cachetrim.LastAppliedAnnotation: "{}", "team": "a"}}},
			want: &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "apps",
				Labels:      map[string]string{v1alpha1.PinningLabel: v1alpha1.PinningEnabled},
				Annotations: map[string]string{"team": "a"}}},
		},
		"secret metadata, only the last-applied annotation": {
			in: &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: "regcred", ResourceVersion: "7",
				Annotations: map[string]string{cachetrim.LastAppliedAnnotation: `{"data":{"password":"c2VjcmV0"}}`}}},
			want: &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: "regcred", ResourceVersion: "7"}},
		},
		"a policy through Meta": {
			in:   &v1alpha1.ImagePolicy{ObjectMeta: metav1.ObjectMeta{Name: "p", ManagedFields: managed}},
			want: &v1alpha1.ImagePolicy{ObjectMeta: metav1.ObjectMeta{Name: "p"}},
		},
		"nothing to drop": {
			in:   &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "plain", Annotations: map[string]string{"team": "a"}}},
			want: &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "plain", Annotations: map[string]string{"team": "a"}}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, err := cachetrim.Meta(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, out); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// Policy passes other kinds to Meta.
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "x", ManagedFields: managed}}
	if out, err := cachetrim.Policy(ns); err != nil || out.(*corev1.Namespace).ManagedFields != nil {
		t.Errorf("Policy(Namespace) = %+v, %v; want it without managedFields", out, err)
	}
}
