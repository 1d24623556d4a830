package webhook_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	crwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/imagepin/imagepin/internal/testenv"
	"github.com/imagepin/imagepin/internal/testenv/controlplane"
	"github.com/imagepin/imagepin/internal/testenv/fixtures"
	"github.com/imagepin/imagepin/internal/testenv/kubescheme"
	"github.com/imagepin/imagepin/internal/testenv/registry"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/resolver"
	"github.com/imagepin/imagepin/webhook"
	"github.com/imagepin/imagepin/workload"
)

// cluster is a real kube-apiserver (and kube-controller-manager) that calls
// imagepin's Pod webhook, served over TLS by a controller-runtime manager
// in this process and wired as `imagepin manager` wires it, and a real
// Distribution registry with basic auth and TLS.
type cluster struct {
	cp       *controlplane.ControlPlane
	cl       client.Client // records the API server's warnings in warnings
	warnings *warningRecorder
	reg      *registry.Registry
	metrics  *prometheus.Registry
	mgr      ctrl.Manager
	stop     func() // stops the manager and so the webhook server
	as       string // the user the manager impersonates; "" for the administrator
}

// startCluster installs imagepin's Pod webhooks on the shared control
// plane for t and starts the registry and the manager.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	c := &cluster{
		cp:       controlPlane.Get(t),
		reg:      registry.StartT(t, registry.Options{Username: "ci", Password: "s3cret", TLS: true}),
		warnings: &warningRecorder{},
		metrics:  prometheus.NewRegistry(),
	}
	c.cp.InstallWebhooks(t, fixtures.MutatingWebhook())
	cfg := rest.CopyConfig(c.cp.Config)
	cfg.WarningHandler = c.warnings
	var err error
	if c.cl, err = client.New(cfg, client.Options{Scheme: kubescheme.NewT(t)}); err != nil {
		t.Fatal(err)
	}
	c.startManager(t, func(ctx context.Context, mgr ctrl.Manager) error {
		return registerPodWebhook(ctx, mgr, c.reg.CAPEM, c.metrics)
	})
	return c
}

// startManager runs a manager, with webhooks added by register, until c.stop.
func (c *cluster) startManager(t testing.TB, register func(context.Context, ctrl.Manager) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background()) // what register starts ends after the manager
	t.Cleanup(cancel)
	cfg := rest.CopyConfig(c.cp.Config)
	cfg.Impersonate.UserName = c.as
	var err error
	c.mgr, err = ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 kubescheme.NewT(t),
		Cache:                  cache.Options{ByObject: workload.CacheByObject()},
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		WebhookServer: crwebhook.NewServer(crwebhook.Options{
			Host: c.cp.Webhook.Host, Port: c.cp.Webhook.Port, CertDir: c.cp.Webhook.CertDir,
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := register(ctx, c.mgr); err != nil {
		t.Fatal(err)
	}
	c.stop = testenv.Run(t, "manager", c.mgr.Start)
	err = wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		return c.mgr.GetWebhookServer().StartedChecker()(nil) == nil, nil
	})
	if err != nil || !c.mgr.GetCache().WaitForCacheSync(t.Context()) {
		t.Fatalf("manager not ready: %v", err)
	}
}

// registerPodWebhook is the wiring `imagepin manager` does.
func registerPodWebhook(ctx context.Context, mgr ctrl.Manager, registryCA []byte, metrics prometheus.Registerer) error {
	res, err := resolver.New(resolver.WithRegisterer(metrics))
	if err != nil {
		return err
	}
	h, err := webhook.NewPodHandler(own, mgr.GetCache(), res,
		webhook.WithAPIReader(mgr.GetAPIReader()), webhook.WithPullSecrets(true),
		webhook.WithRegistryCA(registryCA), webhook.WithRegisterer(metrics))
	if err != nil {
		return err
	}
	return h.SetupWithManager(ctx, mgr)
}

// warningRecorder keeps the warnings the API server sends.
type warningRecorder struct {
	mu   sync.Mutex
	seen []string
}

// HandleWarningHeader implements rest.WarningHandler.
func (w *warningRecorder) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen = append(w.seen, text)
}

// contains reports whether a warning seen so far contains s.
func (w *warningRecorder) contains(s string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, text := range w.seen {
		if strings.Contains(text, s) {
			return true
		}
	}
	return false
}

// namespace creates a namespace labelled mode ("" for none) holding the
// registry's pull secret "regcred", and waits for its default
// ServiceAccount, without which Pods are refused.
func (c *cluster) namespace(t *testing.T, mode string) string {
	t.Helper()
	ns := namespace("", mode)
	ns.GenerateName = "pin-"
	if err := c.cl.Create(t.Context(), ns); err != nil {
		t.Fatal(err)
	}
	secret := pullSecret(ns.Name, "regcred", c.reg.Host, c.reg.Username, c.reg.Password)
	if err := c.cl.Create(t.Context(), secret); err != nil {
		t.Fatal(err)
	}
	key := client.ObjectKey{Namespace: ns.Name, Name: "default"}
	err := wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		return c.cl.Get(ctx, key, &corev1.ServiceAccount{}) == nil, nil
	})
	if err != nil {
		t.Fatalf("default ServiceAccount of %s: %v", ns.Name, err)
	}
	return ns.Name
}

// push pushes repo:tag to the registry and returns the digest.
func (c *cluster) push(t *testing.T, repo, tag string) v1.Hash {
	t.Helper()
	digests, err := c.reg.Push(t.Context(), repo, tag)
	if err != nil {
		t.Fatal(err)
	}
	return digests[tag]
}

// policy creates an ImagePolicy for repo whose status.current is current,
// written through the status subresource as the scanner writes it, and
// waits until the manager's cache holds it.
func (c *cluster) policy(t *testing.T, ns, name, repo, current string) {
	t.Helper()
	p := imagePolicy(ns, name, repo, "")
	if err := c.cl.Create(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	p.Status = imagePolicy(ns, name, repo, current).Status
	p.Status.Current.Since = metav1.Now()
	if err := c.cl.Status().Update(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	err := wait.PollUntilContextTimeout(t.Context(), 50*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		var cached v1alpha1.ImagePolicy
		err := c.mgr.GetCache().Get(ctx, client.ObjectKeyFromObject(p), &cached)
		return err == nil && cached.Status.Current != nil, nil
	})
	if err != nil {
		t.Fatalf("policy %s/%s not in the cache: %v", ns, name, err)
	}
}

// pod builds a Pod with the registry's pull secret and one container per
// name=image pair.
func pod(ns, name string, containers ...string) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       corev1.PodSpec{ImagePullSecrets: []corev1.LocalObjectReference{{Name: "regcred"}}},
	}
	for _, c := range containers {
		n, image, _ := strings.Cut(c, "=")
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: n, Image: image})
	}
	return p
}
