package scanner

import (
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/imagepin/imagepin/internal/truncate"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/selection"
	"github.com/imagepin/imagepin/resolver"
)

// reasonOf names the condition reason of a failed scan or pin resolution.
func reasonOf(err error) string {
	var noMatch *selection.NoMatchError
	switch {
	case errors.Is(err, errSecret):
		return secretReason(err)
	case errors.As(err, &noMatch):
		return v1alpha1.ReasonNoMatchingTag
	case errors.Is(err, resolver.ErrCredentialsOverHTTP):
		return v1alpha1.ReasonCredentialsOverHTTP
	case errors.Is(err, resolver.ErrTagListTooLarge):
		return v1alpha1.ReasonTagListTooLarge
	case errors.Is(err, resolver.ErrUnauthorized):
		return v1alpha1.ReasonAuthenticationFailed
	case errors.Is(err, resolver.ErrRateLimited):
		return v1alpha1.ReasonRateLimited
	case errors.Is(err, resolver.ErrPlatformNotFound):
		return v1alpha1.ReasonPlatformNotFound
	case errors.Is(err, resolver.ErrNotFound):
		return v1alpha1.ReasonNotFound
	default:
		return v1alpha1.ReasonRegistryUnavailable
	}
}

// setCondition sets one condition for the policy's current generation. The
// message is cut to 1 KiB: it may quote a registry, and a message over the
// CRD's limit would fail the whole status patch.
func setCondition(p *v1alpha1.ImagePolicy, typ string, status metav1.ConditionStatus, reason, msg string) {
	meta.SetStatusCondition(&p.Status.Conditions, metav1.Condition{
		Type: typ, Status: status, Reason: reason, Message: truncate.Message(msg), ObservedGeneration: p.Generation,
	})
}

// event records an event about p. The note is cut to 1 KiB, the most the
// API server takes: it may quote a registry.
func (r *Reconciler) event(p *v1alpha1.ImagePolicy, eventType, reason, action, format string, args ...any) {
	r.opts.Events.Eventf(p, nil, eventType, reason, action, "%s", truncate.Message(fmt.Sprintf(format, args...)))
}

// readyStatus returns the status of the Ready condition, Unknown if unset.
func readyStatus(p *v1alpha1.ImagePolicy) metav1.ConditionStatus {
	if c := meta.FindStatusCondition(p.Status.Conditions, v1alpha1.ConditionReady); c != nil {
		return c.Status
	}
	return metav1.ConditionUnknown
}
