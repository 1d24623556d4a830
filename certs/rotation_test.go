package certs_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	crwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/imagepin/imagepin/certs"
	"github.com/imagepin/imagepin/certs/pki"
	"github.com/imagepin/imagepin/internal/testenv"
)

const allowPath = "/allow"

// TestSelfSignedRotationWithoutFailedAdmissions runs the Provider in a
// controller-runtime manager wired as imagepin's manager is, behind webhook
// configurations the API server really calls (failurePolicy Fail), with
// lifetimes short enough to see the serving certificate renewed and then
// the CA rotated while ConfigMaps are created without pause. The webhook
// server closes every connection, so each admission is a new TLS handshake
// against the caBundle the API server has at that moment.
func TestSelfSignedRotationWithoutFailedAdmissions(t *testing.T) {
	cp, cl := apiServer(t)
	ns := newNamespace(t, cl)
	port, probe := testenv.FreePortT(t), testenv.FreePortT(t)
	admissionConfigurations(t, cl, ns, port)
	reg := prometheus.NewRegistry()
	p, err := certs.New(certs.SelfSigned, cp.Config,
		certs.WithNamespace(ns), certs.WithCertDir(t.TempDir()), certs.WithWebhookConfigurations(ns, ns),
		certs.WithExtraSANs("127.0.0.1"), certs.WithMetrics(reg),
		certs.WithValidity(30*time.Second, 20*time.Second), certs.WithCAValidity(60*time.Second, 40*time.Second),
		certs.WithTrustDelay(3*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int64
	startManager(t, cp.Config, p, port, probe, &calls)
	eventually(t, converge, "manager ready", func() (bool, string) { return get(fmt.Sprintf("http://127.0.0.1:%d/readyz", probe)) })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	first := servedNow(t, addr)
	firstCA := bundle(t, cl, ns)[0]

	a := admit(t, cl, ns)
	// Deferred so that failed admissions are reported even when a wait
	// below gives up.
	defer func() {
		ok, failures := a.stop()
		t.Logf("%d admissions during rotation, %d webhook calls", ok, calls.Load())
		for i, f := range failures {
			if i < 5 {
				t.Errorf("failed admission: %s", f)
			}
		}
		if len(failures) > 0 || ok < 20 {
			t.Errorf("%d failed and %d successful admissions, want none failed and at least 20", len(failures), ok)
		}
		if calls.Load() < int64(2*ok) {
			t.Errorf("%d webhook calls for %d admissions through two webhooks: the API server skipped the webhook", calls.Load(), ok)
		}
	}()
	eventually(t, time.Minute, "serving certificate renewed by the same CA", func() (bool, string) {
		c, err := served(addr)
		if err != nil {
			return false, err.Error()
		}
		return c.SerialNumber.Cmp(first.SerialNumber) != 0 && c.CheckSignatureFrom(firstCA) == nil, "serial " + c.SerialNumber.Text(16)
	})
	var rotated *x509.Certificate
	eventually(t, time.Minute, "CA rotated, old CA kept in the caBundle, new certificate served", func() (bool, string) {
		cas := bundle(t, cl, ns)
		c, err := served(addr)
		if err != nil || len(cas) != 2 {
			return false, fmt.Sprintf("%d CAs in the caBundle, dial: %v", len(cas), err)
		}
		rotated = c
		return !cas[0].Equal(firstCA) && cas[1].Equal(firstCA) && c.CheckSignatureFrom(cas[0]) == nil, "served certificate not signed by the new CA"
	})
	eventually(t, 5*time.Second, "expiry metric of the served certificate", func() (bool, string) {
		got := gauge(t, reg, "serving")
		return got >= float64(rotated.NotAfter.Unix()), fmt.Sprintf("serving expiry %v", got)
	})
}

// startManager runs a controller-runtime manager with p wired in as
// imagepin's manager does it, serving an allow-all admission handler.
func startManager(t *testing.T, cfg *rest.Config, p *certs.Provider, port, probe int, calls *atomic.Int64) {
	t.Helper()
	http1 := func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} } // so that Connection: close ends the TLS session
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: fmt.Sprintf("127.0.0.1:%d", probe),
		WebhookServer: crwebhook.NewServer(crwebhook.Options{
			Host: "127.0.0.1", Port: port, TLSOpts: []func(*tls.Config){p.TLSOpt, http1},
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := mgr.Add(p); err != nil {
		t.Fatal(err)
	}
	if err := mgr.AddReadyzCheck("certificates", p.ReadyCheck); err != nil {
		t.Fatal(err)
	}
	allow := &admission.Webhook{Handler: admission.HandlerFunc(func(context.Context, admission.Request) admission.Response {
		calls.Add(1)
		return admission.Allowed("")
	})}
	mgr.GetWebhookServer().Register(allowPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		allow.ServeHTTP(w, r)
	}))
	testenv.Run(t, "manager", mgr.Start)
}

// admissionConfigurations installs a mutating and a validating webhook for
// ConfigMaps of ns, served at https://127.0.0.1:port/allow, failing closed,
// with no caBundle: the Provider publishes it.
func admissionConfigurations(t *testing.T, cl client.Client, ns string, port int) {
	t.Helper()
	cc := admissionv1.WebhookClientConfig{URL: ptr.To(fmt.Sprintf("https://127.0.0.1:%d%s", port, allowPath))}
	rules := []admissionv1.RuleWithOperations{{
		Operations: []admissionv1.OperationType{admissionv1.Create},
		Rule:       admissionv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}},
	}}
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: ns}}
	objs := []client.Object{
		&admissionv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: ns}, Webhooks: []admissionv1.MutatingWebhook{{
			Name: "m.certs.test", ClientConfig: cc, Rules: rules, NamespaceSelector: sel, FailurePolicy: ptr.To(admissionv1.Fail),
			SideEffects: ptr.To(admissionv1.SideEffectClassNone), AdmissionReviewVersions: []string{"v1"}, TimeoutSeconds: ptr.To[int32](5),
		}}},
		&admissionv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: ns}, Webhooks: []admissionv1.ValidatingWebhook{{
			Name: "v.certs.test", ClientConfig: cc, Rules: rules, NamespaceSelector: sel, FailurePolicy: ptr.To(admissionv1.Fail),
			SideEffects: ptr.To(admissionv1.SideEffectClassNone), AdmissionReviewVersions: []string{"v1"}, TimeoutSeconds: ptr.To[int32](5),
		}}},
	}
	create(t, cl, objs...)
}

// admissions creates ConfigMaps through the API server (and so through
// both webhooks) every 50 ms until stop, counting outcomes.
type admissions struct {
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	ok       int
	failures []string
}

// admit waits for the first admission to pass (the API server has the
// caBundle), then keeps admitting in the background.
func admit(t *testing.T, cl client.Client, ns string) *admissions {
	t.Helper()
	create := func(ctx context.Context) error {
		return cl.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "admitted-", Namespace: ns}})
	}
	eventually(t, converge, "first admission", func() (bool, string) { err := create(t.Context()); return err == nil, fmt.Sprint(err) })
	ctx, cancel := context.WithCancel(context.Background())
	a := &admissions{cancel: cancel}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if err := create(ctx); err == nil {
				a.ok++
			} else if ctx.Err() == nil {
				a.failures = append(a.failures, fmt.Sprintf("%s: %v", time.Now().Format(time.TimeOnly), err))
			}
		}
	}()
	t.Cleanup(func() { a.stop() })
	return a
}

func (a *admissions) stop() (int, []string) {
	a.cancel()
	a.wg.Wait()
	return a.ok, a.failures
}

func servedNow(t *testing.T, addr string) *x509.Certificate {
	t.Helper()
	c, err := served(addr)
	if err != nil {
		t.Fatalf("dial the webhook server: %v", err)
	}
	return c
}

// bundle returns the CAs of the validating configuration's caBundle.
func bundle(t *testing.T, cl client.Client, name string) []*x509.Certificate {
	t.Helper()
	_, v, err := caBundles(t.Context(), cl, name)
	if err != nil {
		t.Fatal(err)
	}
	return pki.ParseBundle(v, time.Now())
}

func get(url string) (bool, string) {
	resp, err := http.Get(url) // a test probe of a local address
	if err != nil {
		return false, err.Error()
	}
	defer resp.Body.Close()
	return resp.StatusCode == http.StatusOK, resp.Status
}
