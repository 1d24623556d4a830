package v1alpha1_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	crwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/imagepin/imagepin/internal/testenv/controlplane"
	"github.com/imagepin/imagepin/internal/testenv/fixtures"
	"github.com/imagepin/imagepin/internal/testenv/kubescheme"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/validation"
	"github.com/imagepin/imagepin/webhook"
)

// The tests of this package share one real API server with the CRD
// installed and imagepin's validating webhook served by this process,
// started by the first test's namespace.
var (
	controlPlane = controlplane.NewShared(controlplane.Options{
		CRDDirs:            []string{"charts/imagepin/crds"},
		ValidatingWebhooks: []*admissionv1.ValidatingWebhookConfiguration{fixtures.ValidatingWebhook()},
	}, setUp)
	cp     *controlplane.ControlPlane
	cl     client.Client
	scheme = kubescheme.Must()
)

func TestMain(m *testing.M) {
	// Webhook logs go to stderr, where a failing test shows them.
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr)))
	os.Exit(controlPlane.Run(m))
}

// setUp serves the validating webhook and makes the client. The webhook
// server stops before the control plane removes its certificates.
func setUp(c *controlplane.ControlPlane) (func(), error) {
	cp = c
	ctx, cancel := context.WithCancel(context.Background())
	if err := serveWebhook(ctx); err != nil {
		return cancel, err
	}
	var err error
	cl, err = client.New(cp.Config, client.Options{Scheme: scheme})
	return cancel, err
}

// serveWebhook serves the validating webhook where the API server calls it
// and waits until it answers.
func serveWebhook(ctx context.Context) error {
	srv := crwebhook.NewServer(crwebhook.Options{Host: cp.Webhook.Host, Port: cp.Webhook.Port, CertDir: cp.Webhook.CertDir})
	srv.Register(webhook.ValidateImagePoliciesPath, validation.NewWebhook(scheme))
	go func() {
		if err := srv.Start(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "webhook server:", err)
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for srv.StartedChecker()(nil) != nil {
		if time.Now().After(deadline) {
			return fmt.Errorf("webhook server did not start")
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil
}

// namespace creates a namespace for one test; the first starts the
// control plane.
func namespace(t *testing.T) string {
	t.Helper()
	controlPlane.Get(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "test-"}}
	if err := cl.Create(t.Context(), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return ns.Name
}

// policy builds a valid ImagePolicy and applies modifiers to it.
func policy(ns, name string, mods ...func(*v1alpha1.ImagePolicy)) *v1alpha1.ImagePolicy {
	p := &v1alpha1.ImagePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.ImagePolicySpec{
			Image:  "ghcr.io/stefanprodan/podinfo",
			Select: v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: ">=6.0.0 <7.0.0"}},
		},
	}
	for _, m := range mods {
		m(p)
	}
	return p
}
