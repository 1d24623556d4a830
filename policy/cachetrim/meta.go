package cachetrim

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// LastAppliedAnnotation is where `kubectl apply` (client-side) keeps the
// whole object as last applied: often as large as the object itself, and
// for a Secret applied that way, its data.
const LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// Meta is a cache transform (toolscache.TransformFunc) that drops
// managedFields and LastAppliedAnnotation from any object; everything else
// stays.
func Meta(obj any) (any, error) {
	if m, err := meta.Accessor(obj); err == nil {
		trimMeta(m)
	}
	return obj, nil
}

// trimMeta drops managedFields and LastAppliedAnnotation from m. The nil
// checks keep an object that has neither untouched (and its annotations
// map, which an informer may share, unwritten).
func trimMeta(m metav1.Object) {
	if m.GetManagedFields() != nil {
		m.SetManagedFields(nil)
	}
	if ann := m.GetAnnotations(); ann != nil {
		if _, ok := ann[LastAppliedAnnotation]; ok {
			delete(ann, LastAppliedAnnotation)
			if len(ann) == 0 {
				m.SetAnnotations(nil)
			}
		}
	}
}
