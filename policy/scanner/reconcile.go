package scanner

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/imagepin/imagepin/internal/truncate"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/scan"
	"github.com/imagepin/imagepin/policy/scanrequest"
	"github.com/imagepin/imagepin/policy/validation"
	"github.com/imagepin/imagepin/resolver"
)

// outcome is what the registry said about one policy.
type outcome struct {
	scanned  *scan.Result          // nil when suspended or failed
	pinned   *v1alpha1.ImageRecord // nil without a pin or when it failed
	err      error                 // the first failure
	scanErr  bool                  // err came from the scan, not from the pin
	timedOut bool                  // the scan hit its timeout
	requests int64
	duration time.Duration
}

// decided reports whether o decides current for p's spec: the pin
// resolved, or the scan chose (or there is nothing to choose: suspended).
func (o outcome) decided(p *v1alpha1.ImagePolicy) bool {
	if p.Spec.Pin != nil {
		return o.pinned != nil
	}
	return p.Spec.Suspend || o.scanned != nil
}

// reconcile brings p's status up to date and returns when to look again
// (0: only when the spec changes) and whether the scan timed out. The generation counts as observed only
// once current is decided for it and allowed by it: until then a scan of p
// reads the registry afresh and may move current anywhere (see
// olderThanCurrent), however many scans fail in between.
func (r *Reconciler) reconcile(ctx context.Context, p *v1alpha1.ImagePolicy, now time.Time) (time.Duration, bool) {
	key := types.NamespacedName{Namespace: p.Namespace, Name: p.Name}
	if errs := validation.Spec(&p.Spec, field.NewPath("spec")); len(errs) > 0 {
		r.stall(p, errs.ToAggregate().Error())
		r.specs.forget(key)
		return 0, false
	}
	meta.RemoveStatusCondition(&p.Status.Conditions, v1alpha1.ConditionStalled)
	o := r.observe(ctx, p, r.freshnessOf(key, p, now))
	if r.apply(ctx, p, o, metav1.NewTime(now)) {
		p.Status.ObservedGeneration = p.Generation
		r.specs.forget(key)
	}
	r.metrics.duration.Observe(o.duration.Seconds())
	if o.err != nil {
		reason := reasonOf(o.err)
		r.metrics.scans.WithLabelValues(reason).Inc()
		r.event(p, corev1.EventTypeWarning, reason, "Scan", "%v", o.err)
		logf.FromContext(ctx).Info("scan failed", "reason", reason, "error", truncate.Message(o.err.Error()))
		return r.scheduleIn(p, now, r.backoff(key)), o.timedOut
	}
	r.succeeded(key)
	r.metrics.scans.WithLabelValues(v1alpha1.ReasonSucceeded).Inc()
	if p.Spec.Suspend {
		p.Status.NextScanAt = nil
		return 0, false
	}
	return r.scheduleIn(p, now, untilNext(p, now, r.opts.MaxJitter)), false
}

// freshnessOf says which shared answers p's scan may use: those within
// the window, and those fetched since the scan was due. A scan of an
// undecided spec is due from when the scanner saw the spec, and takes
// nothing older: however long the first cycle of a fleet takes, its scans
// share one listing per repository. A retry after a failure is due at its
// backoff, so that it fetches what failed afresh.
func (r *Reconciler) freshnessOf(key types.NamespacedName, p *v1alpha1.ImagePolicy, now time.Time) freshness {
	var f freshness
	f.request, _ = scanrequest.Pending(p)
	if p.Generation != p.Status.ObservedGeneration {
		f.since = r.specs.note(key, p.Generation)
		f.due = f.since
	}
	if due, ok := r.next.get(key); ok && !due.IsZero() && !due.After(now) && due.After(f.due) {
		f.due = due
	}
	return f
}

// observe scans p's repository (unless suspended) and resolves its pin,
// within the scan timeout.
func (r *Reconciler) observe(ctx context.Context, p *v1alpha1.ImagePolicy, f freshness) (o outcome) {
	start := time.Now()
	counter := &resolver.RequestCounter{}
	parent := ctx
	ctx, cancel := context.WithTimeout(resolver.ContextWithCounter(ctx, counter), r.opts.ScanTimeout)
	defer cancel()
	defer func() {
		o.requests, o.duration = counter.Requests(), time.Since(start)
		if o.err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && parent.Err() == nil {
			o.timedOut = true
			o.err = fmt.Errorf("scan timed out after %s: %w", r.opts.ScanTimeout, o.err)
		}
	}()
	creds, err := credentialsOf(ctx, r.opts.APIReader, p)
	if err != nil {
		o.err, o.scanErr = err, true
		return o
	}
	reg := r.shared.view(creds.identity, f)
	if !p.Spec.Suspend {
		res, err := scan.Spec(ctx, reg, &p.Spec, creds.access)
		if err != nil {
			o.err, o.scanErr = err, true
		} else {
			o.scanned = &res
		}
	}
	if p.Spec.Pin != nil {
		rec, err := resolvePin(ctx, reg, p, creds.access)
		if err != nil && o.err == nil {
			o.err = err
		}
		o.pinned = rec
	}
	return o
}

func (r *Reconciler) scheduleIn(p *v1alpha1.ImagePolicy, now time.Time, d time.Duration) time.Duration {
	next := metav1.NewTime(now.Add(d).Truncate(time.Second))
	p.Status.NextScanAt = &next
	return d
}

// stall marks a spec that cannot work until it is edited; no scan happens.
func (r *Reconciler) stall(p *v1alpha1.ImagePolicy, msg string) {
	setCondition(p, v1alpha1.ConditionStalled, metav1.ConditionTrue, v1alpha1.ReasonInvalidSpec, msg)
	setCondition(p, v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonInvalidSpec, msg)
	p.Status.ObservedGeneration = p.Generation
	p.Status.NextScanAt = nil
	r.metrics.scans.WithLabelValues(v1alpha1.ReasonInvalidSpec).Inc()
	r.event(p, corev1.EventTypeWarning, v1alpha1.ReasonInvalidSpec, "Validate", "%s", msg)
}
