package metawatch_test

import (
	"context"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/imagepin/imagepin/internal/metawatch"
	"github.com/imagepin/imagepin/internal/testenv"
)

// TestCacheKeepsIdentityOnly: a Secret with data, labels and kubectl's
// last-applied-configuration is cached as its identity and version, and a
// change of the Secret reaches the cache.
func TestCacheKeepsIdentityOnly(t *testing.T) {
	logf.SetLogger(logr.Discard())
	cp := controlPlane.Get(t)
	cl, err := client.New(cp.Config, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const token = "s3cret-token"
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "git", Labels: map[string]string{"team": "a"},
			Annotations: map[string]string{"kubectl.kubernetes.io/last-applied-configuration": `{"stringData":{"token":"` + token + `"}}`}},
		StringData: map[string]string{"token": token},
	}
	if err := cl.Create(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	mgr, err := ctrl.NewManager(cp.Config, ctrl.Options{Metrics: metricsserver.Options{BindAddress: "0"}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := metawatch.NewCache(mgr)
	if err != nil {
		t.Fatal(err)
	}
	runManager(t, mgr)

	got := cached(t, c, s.ResourceVersion)
	want := metav1.ObjectMeta{Namespace: s.Namespace, Name: s.Name, UID: s.UID, ResourceVersion: s.ResourceVersion}
	if diff := cmp.Diff(want, got.ObjectMeta); diff != "" {
		t.Errorf("cached metadata (-want +got):\n%s", diff)
	}

	s.StringData = map[string]string{"token": "rotated"}
	if err := cl.Update(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	cached(t, c, s.ResourceVersion)
}

// cached waits until c holds default/git at version, and returns it.
func cached(t *testing.T, c client.Reader, version string) *metav1.PartialObjectMetadata {
	t.Helper()
	m := metawatch.Of("Secret")
	err := wait.PollUntilContextTimeout(t.Context(), 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "git"}, m)
		return err == nil && m.ResourceVersion == version, nil
	})
	if err != nil {
		t.Fatalf("waiting for the cache to hold version %s: %v (has %q)", version, err, m.ResourceVersion)
	}
	return m
}

// TestSourcesShareTheCache: two controllers take Secret events from one
// Cache, as the scanner and write-back do, and both see a change.
func TestSourcesShareTheCache(t *testing.T) {
	logf.SetLogger(logr.Discard())
	cp := controlPlane.Get(t)
	cl, err := client.New(cp.Config, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mgr, err := ctrl.NewManager(cp.Config, ctrl.Options{Metrics: metricsserver.Options{BindAddress: "0"}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := metawatch.NewCache(mgr)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]chan string{"first": make(chan string, 16), "second": make(chan string, 16)}
	for name, ch := range seen {
		err := ctrl.NewControllerManagedBy(mgr).Named(name).
			WatchesRawSource(c.Source("Secret", changed())).
			Complete(reconcile.Func(func(_ context.Context, req reconcile.Request) (reconcile.Result, error) {
				ch <- req.Name
				return reconcile.Result{}, nil
			}))
		if err != nil {
			t.Fatal(err)
		}
	}
	runManager(t, mgr)
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "shared"}}
	if err := cl.Create(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	for name, ch := range seen {
		select {
		case got := <-ch:
			if got != s.Name {
				t.Errorf("%s controller reconciled %q, want %q", name, got, s.Name)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("%s controller saw no event of the new Secret", name)
		}
	}
}

// changed enqueues the creation of the test's Secret, "shared".
func changed() metawatch.Handler {
	return handler.TypedFuncs[*metav1.PartialObjectMetadata, reconcile.Request]{
		CreateFunc: func(_ context.Context, e event.TypedCreateEvent[*metav1.PartialObjectMetadata], q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			if e.Object.Name == "shared" {
				q.Add(reconcile.Request{NamespacedName: client.ObjectKeyFromObject(e.Object)})
			}
		},
	}
}

// runManager starts mgr until the test ends.
func runManager(t *testing.T, mgr ctrl.Manager) {
	t.Helper()
	testenv.Run(t, "manager", mgr.Start)
}
