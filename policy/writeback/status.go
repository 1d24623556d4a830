package writeback

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/internal/truncate"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/writeback/gitrepo"
)

// report records the cycle's outcome in every policy of the batch.
func (r *Reconciler) report(ctx context.Context, b *batch, res gitrepo.Result, err error) error {
	now := metav1.NewTime(r.opts.Now())
	var errs []error
	for _, e := range b.entries {
		o := b.outcome(e, res, err, now)
		if perr := r.patchStatus(ctx, e.policy, o); perr != nil {
			errs = append(errs, perr)
		}
		r.event(e, o)
	}
	return errors.Join(errs...)
}

// patchStatus sets status.writeBack and the WrittenBack condition and
// nothing else. The scanner writes other status fields at the same time,
// and a JSON merge patch replaces the whole conditions list: the patch
// carries the resourceVersion, so a concurrent write makes it fail with a
// conflict instead of undoing that write, and it is made again on the
// policy read afresh.
func (r *Reconciler) patchStatus(ctx context.Context, cached *v1alpha1.ImagePolicy, o outcome) error {
	p := cached.DeepCopy()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if p == nil {
			p = &v1alpha1.ImagePolicy{}
			if err := r.opts.APIReader.Get(ctx, client.ObjectKeyFromObject(cached), p); err != nil {
				return err
			}
		}
		before := p.DeepCopy()
		o.apply(p)
		if equality.Semantic.DeepEqual(before.Status, p.Status) {
			return nil
		}
		err := r.opts.Client.Status().Patch(ctx, p, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
		p = nil
		return err
	})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("status of %s/%s: %w", cached.Namespace, cached.Name, err)
	}
	return nil
}

// apply writes the outcome into p's status.
func (o outcome) apply(p *v1alpha1.ImagePolicy) {
	if o.writeBack != nil {
		p.Status.WriteBack = o.writeBack.DeepCopy()
	}
	meta.SetStatusCondition(&p.Status.Conditions, metav1.Condition{
		Type: v1alpha1.ConditionWrittenBack, Status: o.status, Reason: o.reason, Message: o.message,
		ObservedGeneration: p.Generation,
	})
}

// event records a commit, and a failure when the condition changes to it.
func (r *Reconciler) event(e *entry, o outcome) {
	switch {
	case o.committed:
		r.opts.Events.Eventf(e.policy, nil, corev1.EventTypeNormal, v1alpha1.ConditionWrittenBack, "WriteBack",
			"%s", truncate.Message(fmt.Sprintf("commit %s: %s", short(o.writeBack.Commit), o.message)))
	case o.status == metav1.ConditionFalse:
		old := meta.FindStatusCondition(e.policy.Status.Conditions, v1alpha1.ConditionWrittenBack)
		if old == nil || old.Status != o.status || old.Reason != o.reason || old.Message != o.message {
			r.opts.Events.Eventf(e.policy, nil, corev1.EventTypeWarning, o.reason, "WriteBack", "%s", truncate.Message(o.message))
		}
	}
}
