package recorder

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/governing"
	"github.com/imagepin/imagepin/workload"
)

// Options configure a Recorder. Client and Registerer are required.
type Options struct {
	// Client reads revisions, policies and Namespaces from the manager's
	// cache (with workload.CacheByObject, and the indexes SetupWithManager
	// registers) and patches revisions.
	Client client.Client
	// Registerer takes the recorder's metrics.
	Registerer prometheus.Registerer
	// Concurrency is how many revisions of one kind are recorded at once.
	Concurrency int
}

// DefaultConcurrency is the default of Options.Concurrency.
const DefaultConcurrency = 2

// Recorder records the images of workload revisions.
type Recorder struct {
	opts     Options
	policies *governing.Policies
	metrics  *metrics
}

// New returns a Recorder; SetupWithManager starts it.
func New(o Options) (*Recorder, error) {
	if o.Client == nil || o.Registerer == nil {
		return nil, errors.New("recorder: Client and Registerer are required")
	}
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	return &Recorder{opts: o, policies: governing.NewPolicies(o.Client), metrics: m}, nil
}

// SetupWithManager registers the revision index, the policies' repository
// index (governing.IndexPolicies) and one controller per revision kind, on
// the elected leader. A revision is looked at when it appears (and once at
// start-up), when its record is edited, when a policy of its namespace
// changes, and when its namespace opts in.
func (r *Recorder) SetupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	if err := indexRevisions(ctx, mgr.GetFieldIndexer()); err != nil {
		return err
	}
	if err := governing.IndexPolicies(ctx, mgr.GetFieldIndexer()); err != nil {
		return err
	}
	for _, kind := range workload.Kinds() {
		err := ctrl.NewControllerManagedBy(mgr).
			Named("revision-recorder-"+strings.ToLower(string(kind))).
			For(workload.NewObject(kind), builder.WithPredicates(recordEdited())).
			Watches(&v1alpha1.ImagePolicy{}, handler.EnqueueRequestsFromMapFunc(r.byPolicy(kind)), builder.WithPredicates(currentChanged())).
			Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.byNamespace(kind)), builder.WithPredicates(optedIn())).
			WithOptions(controller.Options{MaxConcurrentReconciles: r.opts.Concurrency}).
			Complete(reconcile.Func(func(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
				return reconcile.Result{}, r.record(ctx, kind, req.NamespacedName)
			}))
		if err != nil {
			return fmt.Errorf("revision recorder for %s: %w", kind, err)
		}
	}
	return nil
}

// recordEdited lets through revisions that appear, and edits of their
// record (someone removed it): nothing else of a revision can change the
// record's answer.
func recordEdited() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e eventUpdate) bool {
			return e.ObjectOld.GetAnnotations()[v1alpha1.RevisionImagesAnnotation] != e.ObjectNew.GetAnnotations()[v1alpha1.RevisionImagesAnnotation]
		},
		DeleteFunc: func(eventDelete) bool { return false },
	}
}

// currentChanged lets through policies whose current appeared or moved.
func currentChanged() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e eventUpdate) bool {
			old, _ := e.ObjectOld.(*v1alpha1.ImagePolicy)
			p, _ := e.ObjectNew.(*v1alpha1.ImagePolicy)
			return old != nil && p != nil && currentImage(old) != currentImage(p)
		},
		DeleteFunc: func(eventDelete) bool { return false },
	}
}

// optedIn lets through Namespaces whose pinning label changed.
func optedIn() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc: func(eventCreate) bool { return false },
		UpdateFunc: func(e eventUpdate) bool {
			return e.ObjectOld.GetLabels()[v1alpha1.PinningLabel] != e.ObjectNew.GetLabels()[v1alpha1.PinningLabel]
		},
		DeleteFunc: func(eventDelete) bool { return false },
	}
}

func currentImage(p *v1alpha1.ImagePolicy) string {
	if p.Status.Current == nil {
		return ""
	}
	return p.Status.Current.Image
}

// byPolicy maps a policy to the revisions of kind in its namespace that use
// its repository.
func (r *Recorder) byPolicy(kind workload.Kind) handler.MapFunc {
	return func(ctx context.Context, obj client.Object) []reconcile.Request {
		p, ok := obj.(*v1alpha1.ImagePolicy)
		if !ok {
			return nil
		}
		repo, ok := governing.Repository(p.Spec.Image)
		if !ok {
			return nil
		}
		return r.requests(ctx, kind, client.InNamespace(p.Namespace), client.MatchingFields{RevisionRepositoryIndex: repo})
	}
}

// byNamespace maps a Namespace to all revisions of kind in it.
func (r *Recorder) byNamespace(kind workload.Kind) handler.MapFunc {
	return func(ctx context.Context, obj client.Object) []reconcile.Request {
		return r.requests(ctx, kind, client.InNamespace(obj.GetName()))
	}
}

func (r *Recorder) requests(ctx context.Context, kind workload.Kind, opts ...client.ListOption) []reconcile.Request {
	list := workload.NewList(kind)
	if err := r.opts.Client.List(ctx, list, opts...); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "list revisions", "kind", kind)
		return nil
	}
	var reqs []reconcile.Request
	for _, o := range workload.Items(list) {
		reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: o.GetName()}})
	}
	return reqs
}
