package certs_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/imagepin/imagepin/certs"
	"github.com/imagepin/imagepin/internal/testenv"
)

// eventually polls cond until it holds, failing the test after timeout
// with the last reason cond gave.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	var reason string
	err := wait.PollUntilContextTimeout(t.Context(), 50*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		var ok bool
		ok, reason = cond()
		return ok, nil
	})
	if err != nil {
		t.Fatalf("%s: not within %s: %s", what, timeout, reason)
	}
}

// newNamespace creates a namespace for one test.
func newNamespace(t *testing.T, cl client.Client) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "certs-"}}
	if err := cl.Create(t.Context(), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return ns.Name
}

// run starts p until the test ends, and fails the test if it returns an
// error.
func run(t *testing.T, p *certs.Provider) {
	t.Helper()
	testenv.Run(t, "Provider.Start", p.Start)
}

// serve runs a controller-runtime webhook server on a free port with p's
// certificate, as the manager does, and returns its address.
func serve(t *testing.T, p *certs.Provider) string {
	t.Helper()
	port := testenv.FreePortT(t)
	srv := crwebhook.NewServer(crwebhook.Options{Host: "127.0.0.1", Port: port, TLSOpts: []func(*tls.Config){p.TLSOpt}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Start(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	addr := net.JoinHostPort("127.0.0.1", fmt.Sprint(port))
	eventually(t, 10*time.Second, "webhook server listening", func() (bool, string) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return false, err.Error()
		}
		return c.Close() == nil, ""
	})
	return addr
}

// served returns the certificate a TLS server at addr presents.
func served(addr string) (*x509.Certificate, error) {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr,
		&tls.Config{InsecureSkipVerify: true}) // the test inspects whatever is served
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0], nil
}

// filesIn reads tls.crt and tls.key of a cert dir.
func filesIn(dir string) (cert, key []byte, err error) {
	if cert, err = os.ReadFile(filepath.Join(dir, "tls.crt")); err != nil {
		return nil, nil, err
	}
	key, err = os.ReadFile(filepath.Join(dir, "tls.key"))
	return cert, key, err
}

// webhookConfigurations creates a Mutating- and a ValidatingWebhookConfiguration
// named name whose webhooks match nothing (a resource no one creates), for
// tests that only look at their caBundle.
func webhookConfigurations(t *testing.T, cl client.Client, name string) {
	t.Helper()
	cc := admissionv1.WebhookClientConfig{URL: ptr.To("https://127.0.0.1:1/never")}
	rules := []admissionv1.RuleWithOperations{{
		Operations: []admissionv1.OperationType{admissionv1.Create},
		Rule:       admissionv1.Rule{APIGroups: []string{"example.invalid"}, APIVersions: []string{"v1"}, Resources: []string{"nothings"}},
	}}
	none, v1 := ptr.To(admissionv1.SideEffectClassNone), []string{"v1"}
	create(t, cl,
		&admissionv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: name}, Webhooks: []admissionv1.MutatingWebhook{{
			Name: "m.certs.test", ClientConfig: cc, Rules: rules, SideEffects: none, AdmissionReviewVersions: v1,
		}}},
		&admissionv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: name}, Webhooks: []admissionv1.ValidatingWebhook{{
			Name: "v.certs.test", ClientConfig: cc, Rules: rules, SideEffects: none, AdmissionReviewVersions: v1,
		}}})
}

// create creates cluster-scoped objects and deletes them when the test ends.
func create(t *testing.T, cl client.Client, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		if err := cl.Create(t.Context(), o); err != nil {
			t.Fatalf("create %T: %v", o, err)
		}
		t.Cleanup(func() { _ = cl.Delete(context.Background(), o) })
	}
}

// caBundles returns the caBundle of the first webhook of both configurations.
func caBundles(ctx context.Context, cl client.Client, name string) (mutating, validating []byte, err error) {
	m := &admissionv1.MutatingWebhookConfiguration{}
	v := &admissionv1.ValidatingWebhookConfiguration{}
	if err := cl.Get(ctx, client.ObjectKey{Name: name}, m); err != nil {
		return nil, nil, err
	}
	if err := cl.Get(ctx, client.ObjectKey{Name: name}, v); err != nil {
		return nil, nil, err
	}
	return m.Webhooks[0].ClientConfig.CABundle, v.Webhooks[0].ClientConfig.CABundle, nil
}

func serviceNames(ns string) []string {
	return []string{certs.DefaultServiceName + "." + ns + ".svc", certs.DefaultServiceName + "." + ns + ".svc.cluster.local"}
}
