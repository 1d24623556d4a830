package writeback

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// PatchWrittenBack records a WrittenBack condition on p as a cycle does,
// p being the reconciler's possibly stale copy.
func PatchWrittenBack(ctx context.Context, c client.Client, p *v1alpha1.ImagePolicy, reason, msg string) error {
	r := &Reconciler{opts: Options{Client: c, APIReader: c}}
	return r.patchStatus(ctx, p, outcome{status: metav1.ConditionFalse, reason: reason, message: msg})
}
