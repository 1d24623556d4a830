package kubescheme_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/imagepin/imagepin/internal/testenv/kubescheme"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

func TestKnowsKubernetesImagepinAndExtraTypes(t *testing.T) {
	extra := schema.GroupVersionKind{Group: "example.dev", Version: "v1", Kind: "Thing"}
	s := kubescheme.NewT(t, func(s *runtime.Scheme) error {
		s.AddKnownTypeWithName(extra, &corev1.ConfigMap{})
		return nil
	})
	for _, obj := range []runtime.Object{&corev1.Pod{}, &v1alpha1.ImagePolicy{}} {
		if gvks, _, err := s.ObjectKinds(obj); err != nil || len(gvks) == 0 {
			t.Errorf("scheme does not know %T: %v", obj, err)
		}
	}
	if !s.Recognizes(extra) {
		t.Errorf("scheme does not know the extra %s", extra)
	}
}
