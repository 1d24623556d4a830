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
	if p.Status.Rollout == nil && now.Sub(cur.Since.Time) > c.opts.AdoptAfter {
		return ctrl.Result{}, c.adopt(ctx, &p, now)
	}
	if wait := cur.Since.Add(c.opts.Delay).Sub(now); wait > 0 {
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	return ctrl.Result{}, c.rollOut(ctx, &p, now)
}

// adopt records current as rolled out without restarting anything.
func (c *Controller) adopt(ctx context.Context, p *v1alpha1.ImagePolicy, now time.Time) error {
	c.opts.Events.Eventf(p, nil, corev1.EventTypeNormal, ReasonAdopted, "Rollout",
		"current %s was chosen before imagepin started rollouts; running workloads are not restarted for it", p.Status.Current.Image)
	c.metrics.rollouts.WithLabelValues("adopted").Inc()
	return c.setStatus(ctx, p, &v1alpha1.RolloutStatus{Image: p.Status.Current.Image, StartedAt: metav1.NewTime(now)})
}

// rollOut restarts every eligible workload of p's namespace whose template
// does not carry its new rollout value yet, then records status.rollout.
// A workload that fails is retried with the next attempt; those restarted
// already are then skipped, as their value matches.
func (c *Controller) rollOut(ctx context.Context, p *v1alpha1.ImagePolicy, now time.Time) error {
	log := ctrl.LoggerFrom(ctx)
	st := &v1alpha1.RolloutStatus{Image: p.Status.Current.Image, StartedAt: metav1.NewTime(now)}
	in, err := c.optedIn(ctx, p.Namespace)
	if err != nil {
		return err
	}
	if !in {
		log.V(1).Info("namespace does not opt in to pinning; nothing to roll out")
		return c.setStatus(ctx, p, st)
	}
	workloads, err := c.listWorkloads(ctx, p.Namespace)
	if err != nil {
		return err
	}
	repo, _ := repositoryOf(p)
	var errs []error
	for _, w := range workloads {
		rolled, err := c.restart(ctx, p, w, repo, now)
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
	log.Info("rollout started", "image", st.Image, "workloads", st.Count)
	return c.setStatus(ctx, p, st)
}

// restart applies w's new rollout value when w is eligible and does not
// carry it yet. It reports whether w rolls out the change: restarted now,
// or by an earlier attempt whose status write was lost (it carries the
// value already, and is not restarted again).
func (c *Controller) restart(ctx context.Context, p *v1alpha1.ImagePolicy, w workloadObject, repo string, now time.Time) (bool, error) {
	if !eligible(w, repo) {
		return false, nil
	}
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
