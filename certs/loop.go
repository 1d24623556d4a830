package certs

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"
)

// minRequeue keeps a reconciler that is asked to look again "now" (an
// expiry that is due this very instant) from spinning.
const minRequeue = time.Second

// watched is one object whose changes wake the loop.
type watched struct {
	obj       client.Object
	namespace string // "" for a cluster-scoped object
	name      string
}

// loop runs a reconciler for a single key on every replica (no leader
// election: each replica writes its own cert dir). It is woken once at
// start, by any change of the watched objects, and by the RequeueAfter the
// reconciler returns: the timer of the next renewal. Its informers watch
// only the named objects, not every Secret of the cluster.
type loop struct {
	name     string
	cfg      *rest.Config
	scheme   *runtime.Scheme
	key      types.NamespacedName
	watches  []watched
	rec      reconcile.Reconciler
	precheck func(context.Context) error // optional: fail fast with a clear message
}

func (l *loop) run(ctx context.Context) error {
	if l.precheck != nil {
		if err := l.precheck(ctx); err != nil {
			return err
		}
	}
	informers, err := cache.New(l.cfg, cache.Options{Scheme: l.scheme, ByObject: l.byObject()})
	if err != nil {
		return fmt.Errorf("informer cache: %w", err)
	}
	ctl, err := l.controller(ctx, informers)
	if err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return informers.Start(ctx) })
	g.Go(func() error { return ctl.Start(ctx) })
	return g.Wait()
}

func (l *loop) controller(ctx context.Context, informers cache.Cache) (controller.Controller, error) {
	ctl, err := controller.NewUnmanaged(l.name, controller.Options{
		Reconciler: l.rec,
		Logger:     logf.FromContext(ctx),
		// Every replica runs one, and tests run several in one process.
		SkipNameValidation: ptr.To(true),
	})
	if err != nil {
		return nil, fmt.Errorf("controller %s: %w", l.name, err)
	}
	request := reconcile.Request{NamespacedName: l.key}
	toKey := handler.EnqueueRequestsFromMapFunc(func(context.Context, client.Object) []reconcile.Request {
		return []reconcile.Request{request}
	})
	for _, w := range l.watches {
		if err := ctl.Watch(source.Kind(informers, w.obj, toKey)); err != nil {
			return nil, fmt.Errorf("watch %T %s: %w", w.obj, w.name, err)
		}
	}
	// On a fresh install none of the watched objects exists yet, so no
	// event would start the first pass.
	first := source.Func(func(_ context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
		q.Add(request)
		return nil
	})
	if err := ctl.Watch(first); err != nil {
		return nil, fmt.Errorf("initial request: %w", err)
	}
	return ctl, nil
}

// byObject restricts each informer to its one object.
func (l *loop) byObject() map[client.Object]cache.ByObject {
	by := make(map[client.Object]cache.ByObject, len(l.watches))
	for _, w := range l.watches {
		o := cache.ByObject{Field: fields.OneTermEqualSelector("metadata.name", w.name)}
		if w.namespace != "" {
			o.Namespaces = map[string]cache.Config{w.namespace: {}}
		}
		by[w.obj] = o
	}
	return by
}

// requeueAfter turns the time of the next check into a RequeueAfter.
func requeueAfter(next time.Time) reconcile.Result {
	return reconcile.Result{RequeueAfter: max(time.Until(next), minRequeue)}
}
