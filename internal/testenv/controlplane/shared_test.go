package controlplane

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const (
	imagepinCRDs = "charts/imagepin/crds"
	widgetsCRD   = "internal/testenv/controlplane/testdata/widgets.yaml"
	denial       = "denied by the harness's test webhook"
)

// runFunc is a testenv.M whose tests are a function.
type runFunc func() int

func (f runFunc) Run() int { return f() }

// TestShared proves the lifecycle of a test binary's control plane: the
// first Get starts it and runs the set-up once, later ones return the same
// control plane, and Run stops it after the tests, the set-up's teardown
// first. What a test installs or removes for its duration is as before
// once the test has ended.
func TestShared(t *testing.T) {
	var setups, teardowns int
	s := NewShared(Options{CRDDirs: []string{imagepinCRDs}}, func(*ControlPlane) (func(), error) {
		setups++
		return func() { teardowns++ }, nil
	})
	var cp *ControlPlane
	code := s.Run(runFunc(func() int {
		cp = s.Get(t)
		if again := s.Get(t); again != cp {
			t.Error("a second Get returned another control plane")
		}
		t.Run("InstallCRDs", func(t *testing.T) { testInstallCRDs(t, cp) })
		t.Run("RemoveCRDs", func(t *testing.T) { testRemoveCRDs(t, cp) })
		t.Run("InstallWebhooks", func(t *testing.T) { testInstallWebhooks(t, cp) })
		if teardowns != 0 {
			t.Error("the set-up was torn down while the tests ran")
		}
		return 0
	}))
	if code != 0 || setups != 1 || teardowns != 1 {
		t.Errorf("Run = %d with %d set-ups and %d teardowns, want 0, 1, 1", code, setups, teardowns)
	}
	cfg := rest.CopyConfig(cp.Config)
	cfg.Timeout = 5 * time.Second
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dc.ServerVersion(); err == nil {
		t.Error("the API server still answers after Run")
	}
}

func testInstallCRDs(t *testing.T, cp *ControlPlane) {
	dc := discoveryClient(t, cp)
	t.Run("installed for the test", func(t *testing.T) {
		cp.InstallCRDs(t, widgetsCRD)
		wantServed(t, dc, "testenv.imagepin.dev/v1", "widgets", true)
	})
	wantServed(t, dc, "testenv.imagepin.dev/v1", "widgets", false)
}

func testRemoveCRDs(t *testing.T, cp *ControlPlane) {
	dc := discoveryClient(t, cp)
	t.Run("removed for the test", func(t *testing.T) {
		cp.RemoveCRDs(t, imagepinCRDs)
		wantServed(t, dc, "imagepin.dev/v1alpha1", "imagepolicies", false)
	})
	wantServed(t, dc, "imagepin.dev/v1alpha1", "imagepolicies", true)
}

// testInstallWebhooks installs a webhook that denies ConfigMaps of
// labelled namespaces, served by the test where Options' webhooks are: the
// API server calls it while the test that installed it runs, not after.
func testInstallWebhooks(t *testing.T, cp *ControlPlane) {
	serveDenials(t, cp)
	cl, err := client.New(cp.Config, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "webhooks-", Labels: map[string]string{"testenv": "deny"}}}
	if err := cl.Create(t.Context(), ns); err != nil {
		t.Fatal(err)
	}
	config := denyConfigMaps()
	t.Run("installed for the test", func(t *testing.T) {
		cp.InstallWebhooks(t, config)
		eventually(t, "a denial by the webhook", func(ctx context.Context) bool {
			err := cl.Create(ctx, configMap(ns.Name))
			return err != nil && strings.Contains(err.Error(), denial)
		})
	})
	if config.Webhooks[0].ClientConfig.Service == nil {
		t.Error("InstallWebhooks changed the configuration it was given")
	}
	err = cl.Get(t.Context(), client.ObjectKeyFromObject(config), &admissionregv1.ValidatingWebhookConfiguration{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("webhook configuration after the test: %v, want it deleted", err)
	}
	eventually(t, "a ConfigMap admitted without the webhook", func(ctx context.Context) bool {
		return cl.Create(ctx, configMap(ns.Name)) == nil
	})
}

// serveDenials serves, until t ends, a webhook that denies every request
// at cp.Webhook with its serving certificate.
func serveDenials(t *testing.T, cp *ControlPlane) {
	cert, err := tls.LoadX509KeyPair(filepath.Join(cp.Webhook.CertDir, "tls.crt"), filepath.Join(cp.Webhook.CertDir, "tls.key"))
	if err != nil {
		t.Fatal(err)
	}
	lis, err := tls.Listen("tcp", net.JoinHostPort(cp.Webhook.Host, strconv.Itoa(cp.Webhook.Port)), &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(deny)}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("webhook server: %v", err)
		}
	})
}

// deny answers an AdmissionReview with a denial.
func deny(w http.ResponseWriter, r *http.Request) {
	var review admissionv1.AdmissionReview
	if err := json.NewDecoder(r.Body).Decode(&review); err != nil || review.Request == nil {
		http.Error(w, "no AdmissionReview", http.StatusBadRequest)
		return
	}
	review.Response = &admissionv1.AdmissionResponse{UID: review.Request.UID, Result: &metav1.Status{Message: denial}}
	review.Request = nil
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(&review)
}

// denyConfigMaps sends the CREATEs of ConfigMaps in namespaces labelled
// testenv=deny to the path /deny of the webhook Service.
func denyConfigMaps() *admissionregv1.ValidatingWebhookConfiguration {
	return &admissionregv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "testenv-deny"},
		Webhooks: []admissionregv1.ValidatingWebhook{{
			Name: "deny.testenv.imagepin.dev",
			ClientConfig: admissionregv1.WebhookClientConfig{Service: &admissionregv1.ServiceReference{
				Namespace: "default", Name: "webhook", Path: ptr.To("/deny"),
			}},
			Rules: []admissionregv1.RuleWithOperations{{
				Operations: []admissionregv1.OperationType{admissionregv1.Create},
				Rule:       admissionregv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}},
			}},
			NamespaceSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"testenv": "deny"}},
			FailurePolicy:           ptr.To(admissionregv1.Fail),
			SideEffects:             ptr.To(admissionregv1.SideEffectClassNone),
			AdmissionReviewVersions: []string{"v1"},
		}},
	}
}

func configMap(ns string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, GenerateName: "cm-"}}
}

func discoveryClient(t *testing.T, cp *ControlPlane) discovery.DiscoveryInterface {
	t.Helper()
	dc, err := discovery.NewDiscoveryClientForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	return dc
}

func wantServed(t *testing.T, dc discovery.DiscoveryInterface, groupVersion, resource string, want bool) {
	t.Helper()
	served, err := servedResources(dc, groupVersion)
	if err != nil {
		t.Fatal(err)
	}
	if served[resource] != want {
		t.Errorf("%s of %s served: %v, want %v", resource, groupVersion, served[resource], want)
	}
}

// eventually polls cond for up to 30 s: the API server's admission chain
// sees a webhook configuration shortly after it is stored.
func eventually(t *testing.T, what string, cond func(context.Context) bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		return cond(ctx), nil
	})
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}
