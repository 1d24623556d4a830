package rollout

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// Event reasons.
const (
	ReasonRolloutStarted = "RolloutStarted"
	ReasonRolloutFailed  = "RolloutFailed"
	ReasonAdopted        = "RolloutAdopted"
)

// Reconcile starts the rollout of one policy's current when it is due.
// A change with nothing to roll out — the namespace does not opt in to
// pinning, or none of its workloads that the webhook pins uses the
// repository — writes nothing and records no event: status.rollout keeps
// the last rollout that had workloads to consider.
func (c *Controller) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var p v1alpha1.ImagePolicy
	if err := c.opts.Client.Get(ctx, req.NamespacedName, &p); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	cur := p.Status.Current
	if v1alpha1.RolloutStrategyOf(&p.Spec) != v1alpha1.RolloutRestart || cur == nil || p.DeletionTimestamp != nil {
		return ctrl.Result{}, nil
	}
	if p.Status.Rollout != nil && p.Status.Rollout.Image == cur.Image {
		return ctrl.Result{}, nil // rolled out already
	}
	now := c.opts.Now()
	adopt := p.Status.Rollout == nil && now.Sub(cur.Since.Time) > c.opts.AdoptAfter
	if wait := cur.Since.Add(c.opts.Delay).Sub(now); wait > 0 && !adopt {
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	workloads, err := c.candidates(ctx, &p)
	if err != nil {
		return ctrl.Result{}, err
	}
	switch {
	case len(workloads) == 0:
		c.metrics.rollouts.WithLabelValues("skipped").Inc()
		ctrl.LoggerFrom(ctx).V(1).Info("nothing to roll out: no workload that the webhook pins uses the repository", "image", cur.Image)
		return ctrl.Result{}, nil
	case adopt:
		return ctrl.Result{}, c.adopt(ctx, &p, now)
	}
	return ctrl.Result{}, c.rollOut(ctx, &p, workloads, now)
}

// candidates are the workloads of p's namespace that a change of p's
// current may restart: none unless the namespace opts in to pinning; else
// those that the webhook pins for p's repository and that do not opt out
// of restarts.
func (c *Controller) candidates(ctx context.Context, p *v1alpha1.ImagePolicy) ([]workloadObject, error) {
	in, err := c.optedIn(ctx, p.Namespace)
	if err != nil || !in {
		return nil, err
	}
	workloads, err := c.listWorkloads(ctx, p.Namespace)
	if err != nil {
		return nil, err
	}
	repo, _ := repositoryOf(p)
	out := workloads[:0]
	for _, w := range workloads {
		if eligible(w, repo) {
			out = append(out, w)
		}
	}
	return out, nil
}

// adopt records current as rolled out without restarting anything.
func (c *Controller) adopt(ctx context.Context, p *v1alpha1.ImagePolicy, now time.Time) error {
	c.opts.Events.Eventf(p, nil, corev1.EventTypeNormal, ReasonAdopted, "Rollout",
		"current %s was chosen before imagepin started rollouts; running workloads are not restarted for it", p.Status.Current.Image)
	c.metrics.rollouts.WithLabelValues("adopted").Inc()
	return c.setStatus(ctx, p, &v1alpha1.RolloutStatus{Image: p.Status.Current.Image, StartedAt: metav1.NewTime(now)})
}

// rollOut restarts each of workloads whose template does not carry its new
// rollout value yet, then records status.rollout. A workload that fails is
// retried with the next attempt; those restarted already are then skipped,
// as their value matches.
func (c *Controller) rollOut(ctx context.Context, p *v1alpha1.ImagePolicy, workloads []workloadObject, now time.Time) error {
	st := &v1alpha1.RolloutStatus{Image: p.Status.Current.Image, StartedAt: metav1.NewTime(now)}
	var errs []error
	for _, w := range workloads {
		rolled, err := c.restart(ctx, p, w, now)
		if err != nil {
			errs = append(errs, err)
			c.opts.Events.Eventf(p, w.obj, corev1.EventTypeWarning, ReasonRolloutFailed, "Rollout", "%s %s: %v", w.kind, w.obj.GetName(), err)
			continue
		}
		if rolled {
			st.Count++
			if len(st.Workloads) < v1alpha1.RolloutWorkloadsLimit {
				st.Workloads = append(st.Workloads, v1alpha1.WorkloadReference{Kind: w.kind, Name: w.obj.GetName()})
			}
		}
	}
	if len(errs) > 0 {
		c.metrics.rollouts.WithLabelValues("failed").Inc()
		return fmt.Errorf("roll out %s: %w", p.Status.Current.Image, errors.Join(errs...))
	}
	c.metrics.rollouts.WithLabelValues("started").Inc()
	c.opts.Events.Eventf(p, nil, corev1.EventTypeNormal, ReasonRolloutStarted, "Rollout",
		"restarted %d workload(s) to roll out %s", st.Count, st.Image)
	ctrl.LoggerFrom(ctx).Info("rollout started", "image", st.Image, "workloads", st.Count)
	return c.setStatus(ctx, p, st)
}

// restart applies w's new rollout value when w does not carry it yet. It
// reports whether w rolls out the change: restarted now, or by an earlier
// attempt whose status write was lost (it carries the value already, and is
// not restarted again).
func (c *Controller) restart(ctx context.Context, p *v1alpha1.ImagePolicy, w workloadObject, now time.Time) (bool, error) {
	value, err := c.value(ctx, p.Namespace, w.template, now, false)
	if err != nil || value == "" {
		return false, err
	}
	if w.template.Annotations[v1alpha1.RolloutAnnotation] == value {
		return true, nil
	}
	// A workload created after the change settled runs it already: each of
	// its revisions, created after the workload, gets the same images.
	if created, err := c.value(ctx, p.Namespace, w.template, w.obj.GetCreationTimestamp().Time, true); err != nil || created == value {
		return false, err
	}
	if err := c.opts.Client.Apply(ctx, applyConfiguration(w, value), client.FieldOwner(FieldManager), client.ForceOwnership); err != nil {
		return false, fmt.Errorf("apply %s: %w", v1alpha1.RolloutAnnotation, err)
	}
	c.metrics.restarted.WithLabelValues(w.kind).Inc()
	c.opts.Events.Eventf(w.obj, p, corev1.EventTypeNormal, ReasonRolloutStarted, "Rollout",
		"ImagePolicy %s: rolling out %s (%s=%s)", p.Name, p.Status.Current.Image, v1alpha1.RolloutAnnotation, value)
	return true, nil
}

// setStatus records st as p's status.rollout. The optimistic lock keeps a
// concurrent scanner write; a conflict retries the whole reconcile, which
// finds the workloads it restarted already carrying their value.
func (c *Controller) setStatus(ctx context.Context, p *v1alpha1.ImagePolicy, st *v1alpha1.RolloutStatus) error {
	before := p.DeepCopy()
	p.Status.Rollout = st
	if err := c.opts.Client.Status().Patch(ctx, p, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("record status.rollout: %w", err)
	}
	return nil
}

// optedIn reports whether Pods of namespace are pinned.
func (c *Controller) optedIn(ctx context.Context, namespace string) (bool, error) {
	if c.opts.Exempt(namespace) {
		return false, nil
	}
	var ns corev1.Namespace
	if err := c.opts.Client.Get(ctx, client.ObjectKey{Name: namespace}, &ns); err != nil {
		return false, client.IgnoreNotFound(err)
	}
	switch ns.Labels[v1alpha1.PinningLabel] {
	case v1alpha1.PinningEnabled, v1alpha1.PinningStrict:
		return true, nil
	}
	return false, nil
}
