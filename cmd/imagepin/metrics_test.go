package main

import (
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/e2e/controlplane"
)

// TestManagerMetricsNeedAToken runs `imagepin manager` against a real API
// server with its default --metrics-secure: /metrics answers 401 without a
// token, 403 to a ServiceAccount not allowed to get /metrics, and the
// metrics to one that is; with --metrics-secure=false it answers anyone over
// plain HTTP.
func TestManagerMetricsNeedAToken(t *testing.T) {
	cp := controlplane.ForTest(t, controlplane.Options{CRDDirs: []string{"charts/imagepin/crds"}})
	cl := newTestClient(t, cp)
	createNamespace(t, cl, "imagepin-system", nil)
	scraper, nobody := serviceAccountToken(t, cp, cl, "scraper", true), serviceAccountToken(t, cp, cl, "nobody", false)
	secure, plain := freeAddr(t), freeAddr(t)
	runManager(t, cp, "--cert-mode", "external", "--cert-dir", cp.Webhook.CertDir, "--metrics-bind-address", secure)
	tests := map[string]struct {
		token string
		want  int
	}{
		"no token": {want: http.StatusUnauthorized},
		// controller-runtime's filter answers 500 when the TokenReview errs,
		// as it does for a string that is no token at all: refused either way.
		"not a token":             {token: "not-a-token", want: http.StatusInternalServerError},
		"not allowed to get it":   {token: nobody, want: http.StatusForbidden},
		"allowed to get /metrics": {token: scraper, want: http.StatusOK},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, body := scrape(t, "https://"+secure+"/metrics", tc.token)
			if code != tc.want {
				t.Errorf("status %d, want %d", code, tc.want)
			}
			if got := strings.Contains(body, "imagepin_admission_requests_total"); got != (tc.want == http.StatusOK) {
				t.Errorf("metrics in the answer: %v, want %v", got, tc.want == http.StatusOK)
			}
		})
	}
	runManager(t, cp, "--cert-mode", "external", "--cert-dir", cp.Webhook.CertDir, "--metrics-bind-address", plain,
		"--metrics-secure=false", "--webhook-bind-address", freeAddr(t))
	if code, body := scrape(t, "http://"+plain+"/metrics", ""); code != http.StatusOK || !strings.Contains(body, "imagepin_admission_requests_total") {
		t.Errorf("--metrics-secure=false: status %d, want the metrics over plain HTTP", code)
	}
}

// serviceAccountToken creates a ServiceAccount in imagepin-system, allowed
// to get /metrics when allowed, and returns a token of it.
func serviceAccountToken(t *testing.T, cp *controlplane.ControlPlane, cl client.Client, name string, allowed bool) string {
	t.Helper()
	ctx := t.Context()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "imagepin-system", Name: name}}
	if err := cl.Create(ctx, sa); err != nil {
		t.Fatal(err)
	}
	if allowed {
		role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name},
			Rules: []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}}}
		binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: sa.Namespace, Name: name}}}
		for _, obj := range []client.Object{role, binding} {
			if err := cl.Create(ctx, obj); err != nil {
				t.Fatal(err)
			}
		}
	}
	cs, err := kubernetes.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := cs.CoreV1().ServiceAccounts(sa.Namespace).CreateToken(ctx, name, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tr.Status.Token
}

// scrape GETs url with the bearer token (none when empty), trusting the
// manager's self-signed metrics certificate, and returns status and body.
func scrape(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // the manager's generated certificate
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}
