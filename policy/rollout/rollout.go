package rollout

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/governing"
	"github.com/imagepin/imagepin/policy/revision"
)

// EventRecorder records Kubernetes events (k8s.io/client-go/tools/events).
type EventRecorder interface {
	Eventf(regarding, related runtime.Object, eventtype, reason, action, note string, args ...any)
}

// FieldManager is the server-side apply field manager of the annotation.
const FieldManager = "imagepin"

// Options configure a Controller. Client, APIReader, Events and Registerer
// are required.
type Options struct {
	// Client reads policies and Namespaces from the manager's cache (with
	// the index SetupWithManager registers), applies Pod-template
	// annotations and patches policy status.
	Client client.Client
	// APIReader lists the workloads of a namespace when a rollout starts:
	// rollouts are rare, so Deployments, StatefulSets and DaemonSets are
	// not cached cluster-wide for them.
	APIReader client.Reader
	// Events records events on policies.
	Events EventRecorder
	// Registerer takes the rollout metrics.
	Registerer prometheus.Registerer
	// Exempt reports namespaces whose Pods the webhook never mutates
	// (kube-system, imagepin's own); nil exempts none.
	Exempt func(namespace string) bool
	// Delay is how long after a change of current a rollout starts
	// (revision.RolloutDelay when 0). Shorter than revision.Settle plus
	// the clock skew would start revisions the webhook still judges old.
	Delay time.Duration
	// AdoptAfter: a current older than this when the policy has no
	// status.rollout yet (an upgrade from a version without rollouts) is
	// adopted, not rolled out, so that an upgrade restarts nothing.
	AdoptAfter time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// DefaultAdoptAfter is the default of Options.AdoptAfter.
const DefaultAdoptAfter = 10 * time.Minute

// Controller starts rollouts for changes of current.
type Controller struct {
	opts     Options
	policies *governing.Policies
	metrics  *metrics
}

// New returns a Controller; SetupWithManager starts it.
func New(o Options) (*Controller, error) {
	if o.Client == nil || o.APIReader == nil || o.Events == nil || o.Registerer == nil {
		return nil, errors.New("rollout: Client, APIReader, Events and Registerer are required")
	}
	if o.Delay == 0 {
		o.Delay = revision.RolloutDelay
	}
	if o.AdoptAfter == 0 {
		o.AdoptAfter = DefaultAdoptAfter
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Exempt == nil {
		o.Exempt = func(string) bool { return false }
	}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	return &Controller{opts: o, policies: governing.NewPolicies(o.Client), metrics: m}, nil
}

// SetupWithManager registers the policies' repository index
// (governing.IndexPolicies) and the controller, on the elected leader. It
// looks at a policy when it appears (and at start-up) and when its current,
// its strategy or its status.rollout changes.
func (c *Controller) SetupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	if err := governing.IndexPolicies(ctx, mgr.GetFieldIndexer()); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("imagepolicy-rollout").
		For(&v1alpha1.ImagePolicy{}, builder.WithPredicates(rolloutRelevant())).
		WithOptions(controller.Options{MaxConcurrentReconciles: 1}).
		Complete(c)
}

func rolloutRelevant() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.TypedUpdateEvent[client.Object]) bool {
			old, _ := e.ObjectOld.(*v1alpha1.ImagePolicy)
			p, _ := e.ObjectNew.(*v1alpha1.ImagePolicy)
			return old == nil || p == nil || state(old) != state(p)
		},
		DeleteFunc: func(event.TypedDeleteEvent[client.Object]) bool { return false },
	}
}

// state is what a rollout decision depends on.
func state(p *v1alpha1.ImagePolicy) [3]string {
	var s [3]string
	if p.Status.Current != nil {
		s[0] = p.Status.Current.Image
	}
	if p.Status.Rollout != nil {
		s[1] = p.Status.Rollout.Image
	}
	s[2] = string(v1alpha1.RolloutStrategyOf(&p.Spec))
	return s
}
