package writeback_test

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/writeback"
)

// TestStatusPatchKeepsConcurrentConditions: the scanner writes a condition
// after write-back read the policy; write-back's patch, made from its stale
// copy, must not drop it (a plain merge patch would replace the list).
func TestStatusPatchKeepsConcurrentConditions(t *testing.T) {
	f := newFixture(t)
	p := f.policy(t, "app")
	setCurrent(t, p, "1.0.0", v1alpha1.SourceScan)
	stale := p.DeepCopy()

	scanned := metav1.Condition{Type: v1alpha1.ConditionScanned, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonSucceeded, Message: "scanned"}
	meta.SetStatusCondition(&p.Status.Conditions, scanned)
	if err := cl.Status().Update(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	if err := writeback.PatchWrittenBack(t.Context(), cl, stale, v1alpha1.ReasonNoMarkers, "no markers"); err != nil {
		t.Fatal(err)
	}
	if err := cl.Get(t.Context(), client.ObjectKeyFromObject(p), p); err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{v1alpha1.ConditionReady, v1alpha1.ConditionScanned, v1alpha1.ConditionWrittenBack} {
		if meta.FindStatusCondition(p.Status.Conditions, typ) == nil {
			t.Errorf("condition %s missing after the patch: %+v", typ, p.Status.Conditions)
		}
	}
	if p.Status.Current == nil || p.Status.Current.Tag != "1.0.0" {
		t.Errorf("current changed: %+v", p.Status.Current)
	}
}
