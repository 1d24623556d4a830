package webhook_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/imagepin/imagepin/internal/testenv/fixtures"
	"github.com/imagepin/imagepin/internal/testenv/kubescheme"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/governing"
	"github.com/imagepin/imagepin/webhook"
)

// noNamespaces is a user allowed what the Pod webhook reads, except
// Namespaces.
const noNamespaces = "imagepin-without-namespaces"

// TestNamespaceUnreadable runs the webhook in a manager whose identity may
// not read Namespaces, behind a real API server that calls the chart's
// per-mode paths: Pods of enabled and strict namespaces are pinned all the
// same, because the path names the mode. The mode-reading MutatePodsPath
// cannot know the mode there and refuses.
func TestNamespaceUnreadable(t *testing.T) {
	c := &cluster{cp: controlPlane.Get(t), metrics: prometheus.NewRegistry(), as: noNamespaces}
	c.cp.InstallWebhooks(t, fixtures.MutatingWebhook())
	var err error
	if c.cl, err = client.New(c.cp.Config, client.Options{Scheme: kubescheme.NewT(t)}); err != nil {
		t.Fatal(err)
	}
	allowAllButNamespaces(t, c.cl)
	var h *webhook.PodHandler
	c.startManager(t, func(ctx context.Context, mgr ctrl.Manager) error {
		if err := governing.IndexPolicies(ctx, mgr.GetFieldIndexer()); err != nil {
			return err
		}
		if h, err = webhook.NewPodHandler(own, mgr.GetCache(), refuse{t}, webhook.WithRegisterer(c.metrics)); err != nil {
			return err
		}
		h.Register(mgr.GetWebhookServer())
		return nil
	})
	cfg := rest.CopyConfig(c.cp.Config)
	cfg.Impersonate.UserName = noNamespaces
	restricted, err := client.New(cfg, client.Options{Scheme: kubescheme.NewT(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := restricted.List(t.Context(), &corev1.NamespaceList{}); !apierrors.IsForbidden(err) {
		t.Fatalf("the manager's identity lists Namespaces (%v), want forbidden", err)
	}
	pinned := "registry.example/web:1.0@" + nginxDigest
	for _, mode := range []string{v1alpha1.PinningEnabled, v1alpha1.PinningStrict} {
		ns := "ns-" + mode
		if err := c.cl.Create(t.Context(), namespace(ns, mode)); err != nil {
			t.Fatal(err)
		}
		c.policy(t, ns, "web", "registry.example/web", pinned)
		p := pod(ns, "web", "web=registry.example/web:0.9")
		p.Spec.ImagePullSecrets = nil
		c.create(t, p)
		if got := p.Spec.Containers[0].Image; got != pinned {
			t.Errorf("%s: image %q, want %q", mode, got, pinned)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	raw := podJSON(t, "ns-enabled", 1, func(int) string { return "registry.example/web:0.9" })
	resp := h.Handle(ctx, admission.Request{AdmissionRequest: *podRequest("ns-enabled", raw)})
	if resp.Allowed || resp.Result.Code != http.StatusInternalServerError {
		t.Errorf("%s: allowed=%v %+v, want refused: it must read the mode", webhook.MutatePodsPath, resp.Allowed, resp.Result)
	}
}

// allowAllButNamespaces lets noNamespaces read ImagePolicies and write
// Events, as the webhook's part of the chart's role does, but not read
// Namespaces.
func allowAllButNamespaces(t *testing.T, cl client.Client) {
	t.Helper()
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: noNamespaces}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{v1alpha1.GroupVersion.Group}, Resources: []string{"imagepolicies"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get"}},
		{APIGroups: []string{"", "events.k8s.io"}, Resources: []string{"events"}, Verbs: []string{"create", "patch"}},
	}}
	binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: noNamespaces},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: noNamespaces},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: noNamespaces}}}
	for _, obj := range []client.Object{role, binding} {
		if err := cl.Create(t.Context(), obj); err != nil {
			t.Fatal(err)
		}
	}
}
