package cachetrim_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/internal/testenv/kubescheme"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/cachetrim"
)

// TestOptionsAgainstAPIServer: a cache built with Options holds policies,
// Namespaces and Secret metadata without managedFields and the last-applied
// configuration, and imagepin's kinds of writes from cached copies — a
// status merge patch under optimistic lock (the scanner, write-back,
// rollouts) and a merge patch of an annotation (a scan request) — leave
// both in place on the API server.
func TestOptionsAgainstAPIServer(t *testing.T) {
	cp := controlPlane.Get(t)
	scheme := kubescheme.NewT(t)
	cl, err := client.New(cp.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	applied := map[string]string{cachetrim.LastAppliedAnnotation: `{"kind":"applied"}`, "team": "a"}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "apps", Annotations: applied}}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "regcred", Annotations: applied}}
	p := fleetPolicy(1)
	p.ObjectMeta = metav1.ObjectMeta{Namespace: "apps", Name: "web", Annotations: applied}
	status := p.Status
	for _, obj := range []client.Object{ns, secret, p} {
		if err := cl.Create(t.Context(), obj); err != nil {
			t.Fatal(err)
		}
	}

	opts := cachetrim.Options()
	opts.Scheme = scheme
	c, err := cache.New(cp.Config, opts)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = c.Start(t.Context()) }()
	if !c.WaitForCacheSync(t.Context()) {
		t.Fatal("cache did not sync")
	}
	cachedPolicy := &v1alpha1.ImagePolicy{}
	secretMeta := &metav1.PartialObjectMetadata{}
	secretMeta.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	for _, obj := range []client.Object{&corev1.Namespace{}, secretMeta, cachedPolicy} {
		key := client.ObjectKey{Namespace: "apps", Name: "web"}
		switch obj.(type) {
		case *corev1.Namespace:
			key = client.ObjectKey{Name: "apps"}
		case *metav1.PartialObjectMetadata:
			key.Name = "regcred"
		}
		if err := c.Get(t.Context(), key, obj); err != nil {
			t.Fatal(err)
		}
		if obj.GetManagedFields() != nil || obj.GetAnnotations()[cachetrim.LastAppliedAnnotation] != "" || obj.GetAnnotations()["team"] != "a" {
			t.Errorf("cached %T: managedFields %d, annotations %v; want none and team alone", obj, len(obj.GetManagedFields()), obj.GetAnnotations())
		}
	}

	// The writes imagepin makes from cached copies.
	before := cachedPolicy.DeepCopy()
	cachedPolicy.Status = status
	if err := cl.Status().Patch(t.Context(), cachedPolicy, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
		t.Fatal(err)
	}
	before = cachedPolicy.DeepCopy()
	cachedPolicy.Annotations[v1alpha1.ScanRequestedAnnotation] = "now"
	if err := cl.Patch(t.Context(), cachedPolicy, client.MergeFrom(before)); err != nil {
		t.Fatal(err)
	}
	var got v1alpha1.ImagePolicy
	if err := cl.Get(t.Context(), client.ObjectKeyFromObject(p), &got); err != nil {
		t.Fatal(err)
	}
	if got.Annotations[cachetrim.LastAppliedAnnotation] != applied[cachetrim.LastAppliedAnnotation] || got.Annotations[v1alpha1.ScanRequestedAnnotation] != "now" || len(got.ManagedFields) == 0 {
		t.Errorf("on the API server after imagepin's writes: annotations %v, %d managedFields; want the last-applied configuration, the scan request and managedFields", got.Annotations, len(got.ManagedFields))
	}
	if got.Status.Current == nil || got.Status.Current.Image != status.Current.Image {
		t.Errorf("status.current = %+v; want %s written", got.Status.Current, status.Current.Image)
	}
}
