package scanner

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/scan"
	"github.com/imagepin/imagepin/policy/selection"
	"github.com/imagepin/imagepin/resolver"
)

// ReasonCurrentChanged is the reason of the event that says current moved
// from one value to another.
const ReasonCurrentChanged = "CurrentChanged"

// apply records an outcome in p's status: latest, current and its history,
// lastScan and the Scanned and Ready conditions. On failures it keeps what
// was there. It reports whether current is now decided for p's spec.
func (r *Reconciler) apply(ctx context.Context, p *v1alpha1.ImagePolicy, o outcome, now metav1.Time) bool {
	st := &p.Status
	r.applyScan(p, o, now)
	if next := r.nextCurrent(p, o, now); next != nil {
		old := st.Current
		if setCurrent(st, *next) {
			r.currentChanged(ctx, p, old)
		}
	}
	why := disallowed(p)
	r.applyReady(p, o, why)
	return why == "" && o.decided(p)
}

// applyReady sets the Ready condition. A current that the spec no longer
// allows comes first: it is what Pods get, whatever else went wrong.
func (r *Reconciler) applyReady(p *v1alpha1.ImagePolicy, o outcome, why string) {
	st := &p.Status
	switch {
	case why != "":
		held := "scanning is suspended"
		if o.err != nil {
			held = o.err.Error()
		}
		msg := fmt.Sprintf("current %s is not allowed by the spec (%s); it stays until it can move: %s", st.Current.Image, why, held)
		if prev := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionReady); prev == nil || prev.Reason != v1alpha1.ReasonCurrentNotAllowed {
			r.event(p, corev1.EventTypeWarning, v1alpha1.ReasonCurrentNotAllowed, "Pin", "%s", msg)
		}
		setCondition(p, v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonCurrentNotAllowed, msg)
	case o.err != nil:
		setCondition(p, v1alpha1.ConditionReady, metav1.ConditionFalse, reasonOf(o.err), o.err.Error())
	case st.Current == nil:
		setCondition(p, v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonSuspended, "suspended before the first scan")
	default:
		setCondition(p, v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, "pods are pinned to "+st.Current.Image)
	}
}

// applyScan records the scan itself and the Scanned condition.
func (r *Reconciler) applyScan(p *v1alpha1.ImagePolicy, o outcome, now metav1.Time) {
	switch {
	case p.Spec.Suspend:
		setCondition(p, v1alpha1.ConditionScanned, metav1.ConditionFalse, v1alpha1.ReasonSuspended, "scanning is suspended")
		return
	case o.scanned == nil:
		if o.scanErr {
			setCondition(p, v1alpha1.ConditionScanned, metav1.ConditionFalse, reasonOf(o.err), o.err.Error())
		}
		return
	}
	res := o.scanned
	setLatest(&p.Status, res.Tag, res.Digest.String(), now)
	p.Status.LastScan = &v1alpha1.ScanRecord{Time: now, Duration: metav1.Duration{Duration: o.duration},
		TagCount: int32(res.TagCount), Requests: int32(o.requests)}
	msg := fmt.Sprintf("latest allowed tag is %s (%s) among %d tags", res.Tag, shortDigest(res.Digest.String()), res.TagCount)
	setCondition(p, v1alpha1.ConditionScanned, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, msg)
}

// nextCurrent returns what current should become, or nil to keep it: the pin
// when one is set, else the scan's choice unless that is older than current
// under an unchanged spec.
func (r *Reconciler) nextCurrent(p *v1alpha1.ImagePolicy, o outcome, now metav1.Time) *v1alpha1.ImageRecord {
	if p.Spec.Pin != nil {
		return o.pinned
	}
	if o.scanned == nil {
		return nil
	}
	res := o.scanned
	sel, err := selection.New(p.Spec.Select, p.Spec.FilterTags)
	if err == nil {
		if older, why := olderThanCurrent(p, sel, res.Tag); older {
			setCondition(p, v1alpha1.ConditionScanned, metav1.ConditionTrue, v1alpha1.ReasonOlderThanCurrent, why)
			r.event(p, corev1.EventTypeWarning, v1alpha1.ReasonOlderThanCurrent, "Scan", "%s", why)
			return nil
		}
	}
	rec := record(p.Spec.Image, res.Tag, res.Digest.String(), v1alpha1.SourceScan, now)
	return &rec
}

// currentChanged tells why current moved, in the log and, when it moved
// from an earlier value, in an event. A policy's first current gets no
// event: it changes nothing that Pods ran (they were not pinned by this
// policy before), status.current and history record it, and in a fleet's
// first cycle such events doubled the API writes and filled the event
// recorder's cache with one entry per policy for minutes.
func (r *Reconciler) currentChanged(ctx context.Context, p *v1alpha1.ImagePolicy, old *v1alpha1.CurrentImage) {
	cur := p.Status.Current
	why := "new allowed image found by a scan"
	switch {
	case cur.Source == v1alpha1.SourcePin:
		why = "rollback: spec.pin"
	case p.Generation != p.Status.ObservedGeneration:
		why = "policy edited"
	}
	log := logf.FromContext(ctx)
	if old == nil {
		log.Info("current image chosen", "to", cur.Image, "why", why)
		return
	}
	r.event(p, corev1.EventTypeNormal, ReasonCurrentChanged, "Pin", "%s → %s (%s)", old.Image, cur.Image, why)
	log.Info("current image changed", "from", old.Image, "to", cur.Image, "why", why)
}

// resolvePin turns spec.pin into a record: a tag is resolved to its digest
// (honouring spec.platform), a digest is checked to exist.
func resolvePin(ctx context.Context, reg scan.Registry, p *v1alpha1.ImagePolicy, a resolver.Access) (*v1alpha1.ImageRecord, error) {
	repo, err := name.NewRepository(p.Spec.Image)
	if err != nil {
		return nil, fmt.Errorf("image %q: %w", p.Spec.Image, err)
	}
	now := metav1.Now()
	if pin := p.Spec.Pin; pin.Digest != "" {
		if _, err := reg.Digest(ctx, repo.Digest(pin.Digest), nil, a); err != nil {
			return nil, fmt.Errorf("pinned digest %s of %s: %w", pin.Digest, p.Spec.Image, err)
		}
		rec := record(p.Spec.Image, "", pin.Digest, v1alpha1.SourcePin, now)
		return &rec, nil
	}
	platform, err := scan.ParsePlatform(p.Spec.Platform)
	if err != nil {
		return nil, err
	}
	h, err := reg.Digest(ctx, repo.Tag(p.Spec.Pin.Tag), platform, a)
	if err != nil {
		return nil, fmt.Errorf("pinned tag %s of %s: %w", p.Spec.Pin.Tag, p.Spec.Image, err)
	}
	rec := record(p.Spec.Image, p.Spec.Pin.Tag, h.String(), v1alpha1.SourcePin, now)
	return &rec, nil
}
