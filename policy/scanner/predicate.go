package scanner

import (
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// scanRequested lets through the updates that change the scan-request
// annotation: a new request must reach the scanner although the generation
// did not change. Every other annotation or label edit is ignored, as is
// the status write that records the request as handled.
func scanRequested() predicate.Funcs {
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			return requestOf(e.ObjectOld) != requestOf(e.ObjectNew)
		},
	}
}

func requestOf(o client.Object) string {
	if o == nil {
		return ""
	}
	return o.GetAnnotations()[v1alpha1.ScanRequestedAnnotation]
}
