package scanner

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/prometheus/client_golang/prometheus"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/scan"
	"github.com/imagepin/imagepin/policy/scanrequest"
)

// EventRecorder records Kubernetes events (k8s.io/client-go/tools/events).
type EventRecorder interface {
	Eventf(regarding, related runtime.Object, eventtype, reason, action, note string, args ...any)
}

// Options configure a Reconciler. Client, APIReader, Registry, Events,
// Registerer and Metadata are required.
type Options struct {
	// Client reads ImagePolicies (from the manager's cache) and writes their status.
	Client client.Client
	// APIReader reads Secrets and ServiceAccounts without caching them all.
	APIReader client.Reader
	// Registry lists tags and resolves digests (a *resolver.Resolver).
	Registry scan.Registry
	// Events records events on policies.
	Events EventRecorder
	// Registerer takes the scanner's metrics.
	Registerer prometheus.Registerer
	// Metadata watches Secrets and ServiceAccounts by their metadata (the
	// manager's one *metawatch.Cache, shared with write-back), so that a
	// fixed credential re-scans the policies that use it at once.
	Metadata MetadataWatch
	// ShareWindow is how long registry answers are shared between policies.
	ShareWindow time.Duration
	// MaxJitter bounds the random delay added to each scheduled scan.
	MaxJitter time.Duration
	// FirstBackoff is the delay before retrying a failed scan the first
	// time; it doubles with each failure in a row.
	FirstBackoff time.Duration
	// MaxBackoff bounds the delay before retrying a failed scan.
	MaxBackoff time.Duration
	// ScanTimeout bounds one policy's scan: credentials, listing, digests.
	ScanTimeout time.Duration
	// Concurrency is how many policies are scanned at once.
	Concurrency int
	// StatusRefresh bounds how old status.lastScan gets while scans change
	// nothing else: such a scan writes the status only once the last scan
	// recorded is older than a point between half and all of StatusRefresh.
	// EveryScan writes after every scan.
	StatusRefresh time.Duration
	// StartSpread bounds the time over which the first scans of overdue
	// policies spread after a start; each policy's schedule period bounds
	// its own.
	StartSpread time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Defaults of Options.
const (
	DefaultShareWindow  = 30 * time.Second
	DefaultMaxJitter    = 5 * time.Second
	DefaultMaxBackoff   = 5 * time.Minute
	DefaultConcurrency  = 4
	DefaultFirstBackoff = 5 * time.Second
	DefaultScanTimeout  = 2 * time.Minute
	// DefaultStatusRefresh is the default of Options.StatusRefresh.
	DefaultStatusRefresh = time.Hour
	// DefaultStartSpread is the default of Options.StartSpread.
	DefaultStartSpread = 10 * time.Minute
	// hostBusyRetry is the least wait of a policy whose registry holds its
	// share of the workers, should no scan of that registry wake it first.
	hostBusyRetry = 5 * time.Second
	// wakeBuffer bounds the wake-ups waiting for the controller.
	wakeBuffer = 1024
)

// Reconciler scans ImagePolicies and records the outcome in their status.
type Reconciler struct {
	opts    Options
	shared  *shared
	metrics *metrics
	gate    *gate
	wakes   chan event.GenericEvent // policies the gate lets in again
	specs   *specTimes
	next    *nextScans
	kicks   kicks

	mu       sync.Mutex
	failures map[types.NamespacedName]int
}

// New returns a Reconciler; SetupWithManager starts it.
func New(o Options) (*Reconciler, error) {
	if o.Client == nil || o.APIReader == nil || o.Registry == nil || o.Events == nil || o.Registerer == nil || o.Metadata == nil {
		return nil, errors.New("scanner: Client, APIReader, Registry, Events, Registerer and Metadata are required")
	}
	if o.ScanTimeout < 0 || o.FirstBackoff < 0 || o.MaxBackoff < 0 || o.StartSpread < 0 {
		return nil, errors.New("scanner: ScanTimeout, FirstBackoff, MaxBackoff and StartSpread must not be negative")
	}
	if o.StatusRefresh < 0 && o.StatusRefresh != EveryScan {
		return nil, errors.New("scanner: StatusRefresh must be positive, 0 for the default or EveryScan")
	}
	setDefaults(&o)
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	return &Reconciler{opts: o, shared: newShared(o.Registry, o.ShareWindow, o.Now), metrics: m,
		gate: newGate(o.Concurrency), wakes: make(chan event.GenericEvent, wakeBuffer), specs: newSpecTimes(o.Now),
		next: newNextScans(), failures: map[types.NamespacedName]int{}}, nil
}

func setDefaults(o *Options) {
	if o.ShareWindow == 0 {
		o.ShareWindow = DefaultShareWindow
	}
	if o.MaxJitter == 0 {
		o.MaxJitter = DefaultMaxJitter
	}
	if o.FirstBackoff == 0 {
		o.FirstBackoff = DefaultFirstBackoff
	}
	if o.MaxBackoff == 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	if o.ScanTimeout == 0 {
		o.ScanTimeout = DefaultScanTimeout
	}
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.StatusRefresh == 0 {
		o.StatusRefresh = DefaultStatusRefresh
	}
	if o.StartSpread == 0 {
		o.StartSpread = DefaultStartSpread
	}
}

// SetupWithManager registers the controller, on the elected leader; it
// needs no index. Status writes do not trigger it: the schedule, spec
// edits, scan requests (a new value of the imagepin.dev/scan-requested-at
// annotation) and changes of the Secrets and ServiceAccounts of policies
// that are not Ready do.
func (r *Reconciler) SetupWithManager(_ context.Context, mgr ctrl.Manager) error {
	b := ctrl.NewControllerManagedBy(mgr).
		Named("imagepolicy-scanner").
		For(&v1alpha1.ImagePolicy{}, builder.WithPredicates(r.specs.recorder(), predicate.Or[client.Object](
			predicate.GenerationChangedPredicate{}, scanRequested()))).
		WatchesRawSource(source.Channel(r.wakes, &handler.EnqueueRequestForObject{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.opts.Concurrency})
	return r.watchCredentials(b).Complete(r)
}

// Reconcile scans one policy when it is due and requeues it for its next
// scan. A policy whose registry holds its share of the workers (see gate)
// waits a moment and tries again.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var p v1alpha1.ImagePolicy
	if err := r.opts.Client.Get(ctx, req.NamespacedName, &p); err != nil {
		if apierrors.IsNotFound(err) {
			r.forget(req.NamespacedName)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, fmt.Errorf("get policy %s: %w", req, err)
	}
	now := r.opts.Now()
	t, wait, ok := r.admit(&p, req.NamespacedName, now)
	if !ok {
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	before := p.DeepCopy()
	requeue, timedOut := r.reconcile(ctx, &p, now)
	r.leave(t, timedOut)
	if request, ok := scanrequest.Pending(&p); ok {
		p.Status.LastHandledScanAt = scanrequest.Record(request)
	}
	if err := r.writeStatus(ctx, req.NamespacedName, before, &p, now); err != nil {
		return ctrl.Result{}, err // due again: the retry scans and writes anew
	}
	r.schedule(req.NamespacedName, now, requeue)
	r.metrics.setReady(req.NamespacedName, readyStatus(&p))
	return ctrl.Result{RequeueAfter: requeue}, nil
}

// schedule records when key is due next, once its scan is recorded:
// requeue after now, or on any reconcile for 0 (suspended or stalled), as
// a status without nextScanAt says.
func (r *Reconciler) schedule(key types.NamespacedName, now time.Time, requeue time.Duration) {
	if requeue == 0 {
		r.next.set(key, time.Time{})
		return
	}
	r.next.set(key, now.Add(requeue))
}

// writeStatus writes p's status if the scan changed it (see needsWrite).
// A merge patch replaces the whole conditions list: the optimistic lock
// keeps it from dropping a condition another controller (write-back) wrote
// since our copy was read. On conflict the request is retried.
func (r *Reconciler) writeStatus(ctx context.Context, key types.NamespacedName, before, p *v1alpha1.ImagePolicy, now time.Time) error {
	if !r.needsWrite(key, &before.Status, &p.Status, now) {
		r.metrics.statusWrites.WithLabelValues(statusUnchanged).Inc()
		return nil
	}
	if err := r.opts.Client.Status().Patch(ctx, p, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
		r.metrics.statusWrites.WithLabelValues(statusFailed).Inc()
		return fmt.Errorf("update status of %s: %w", key, err)
	}
	r.metrics.statusWrites.WithLabelValues(statusWritten).Inc()
	return nil
}

// admit decides whether p is scanned now: it is due (or kicked by a
// credentials change) and its registry has a worker to spare. Otherwise it
// returns when to look again.
func (r *Reconciler) admit(p *v1alpha1.ImagePolicy, key types.NamespacedName, now time.Time) (ticket, time.Duration, bool) {
	kicked := r.kicks.take(key)
	if wait, ok := r.notDue(p, key, now); ok && !kicked {
		return ticket{}, wait, false
	}
	t, ok := r.gate.enter(registryHost(p.Spec.Image), key)
	if !ok {
		if kicked {
			r.kicks.add(key)
		}
		return ticket{}, hostBusyRetry + rand.N(hostBusyRetry), false
	}
	return t, 0, true
}

// leave returns t to the gate and wakes the policy waiting for its place.
// If the channel is full, that policy comes back at its hostBusyRetry.
func (r *Reconciler) leave(t ticket, timedOut bool) {
	key, ok := r.gate.leave(t, timedOut, r.opts.Now())
	if !ok {
		return
	}
	p := &v1alpha1.ImagePolicy{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}
	select {
	case r.wakes <- event.GenericEvent{Object: p}:
	default:
	}
}

// notDue returns how long until p's next scan, if it is not due now. A spec
// the status does not reflect yet, and a scan request not handled yet, are
// always due. Otherwise the time is this scanner's own schedule, or for a
// policy it has not scheduled yet, firstScanAt.
func (r *Reconciler) notDue(p *v1alpha1.ImagePolicy, key types.NamespacedName, now time.Time) (time.Duration, bool) {
	if _, requested := scanrequest.Pending(p); requested {
		return 0, false
	}
	if p.Generation != p.Status.ObservedGeneration {
		return 0, false
	}
	next, ok := r.next.get(key)
	if !ok {
		next = firstScanAt(p, now, r.opts.StartSpread)
		r.next.set(key, next)
	}
	wait := next.Sub(now)
	return wait, wait > 0
}

// registryHost is the registry of image, the unit of the gate; "" for an
// invalid image, which fails validation before any registry call.
func registryHost(image string) string {
	repo, err := name.NewRepository(image)
	if err != nil {
		return ""
	}
	return repo.RegistryStr()
}

func (r *Reconciler) forget(key types.NamespacedName) {
	r.specs.forget(key)
	r.next.forget(key)
	r.kicks.take(key)
	r.metrics.setReady(key, "")
	r.mu.Lock()
	delete(r.failures, key)
	r.mu.Unlock()
}

// backoff counts a failure of key and returns the delay before its retry.
func (r *Reconciler) backoff(key types.NamespacedName) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures[key]++
	d := r.opts.FirstBackoff
	for i := 1; i < r.failures[key] && d < r.opts.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, r.opts.MaxBackoff)
}

func (r *Reconciler) succeeded(key types.NamespacedName) {
	r.mu.Lock()
	delete(r.failures, key)
	r.mu.Unlock()
}
