package main

import (
	"net/http"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/imagepin/imagepin/internal/testenv"
	"github.com/imagepin/imagepin/internal/testenv/attack"
)

// TestManagerMetricsNeedAToken runs `imagepin manager` against a real API
// server with its default --metrics-secure: /metrics answers 401 without a
// token, 403 to a ServiceAccount not allowed to get /metrics, and the
// metrics to one that is; with --metrics-secure=false it answers anyone over
// plain HTTP.
func TestManagerMetricsNeedAToken(t *testing.T) {
	cp := controlPlane.Get(t)
	cl := newTestClient(t, cp)
	own := newNamespace(t, cl, nil)
	if err := cl.Create(t.Context(), &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "metrics-reader"},
		Rules: []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}}}); err != nil {
		t.Fatal(err)
	}
	scraper := attack.Scraper(t, cp.Config, own, "scraper", "metrics-reader")
	nobody := attack.Scraper(t, cp.Config, own, "nobody", "")
	secure, plain := testenv.FreeAddrT(t), testenv.FreeAddrT(t)
	runManager(t, cp, own, "--cert-mode", "external", "--cert-dir", cp.Webhook.CertDir, "--metrics-bind-address", secure)
	attack.WaitListening(t, secure) // readiness does not wait for the metrics server and its generated certificate
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
			code, body := attack.Scrape(t, "https://"+secure+"/metrics", tc.token)
			if code != tc.want {
				t.Errorf("status %d, want %d", code, tc.want)
			}
			if got := strings.Contains(body, "imagepin_admission_requests_total"); got != (tc.want == http.StatusOK) {
				t.Errorf("metrics in the answer: %v, want %v", got, tc.want == http.StatusOK)
			}
		})
	}
	runManager(t, cp, own, "--cert-mode", "external", "--cert-dir", cp.Webhook.CertDir, "--metrics-bind-address", plain,
		"--metrics-secure=false", "--webhook-bind-address", testenv.FreeAddrT(t))
	attack.WaitListening(t, plain)
	if code, body := attack.Scrape(t, "http://"+plain+"/metrics", ""); code != http.StatusOK || !strings.Contains(body, "imagepin_admission_requests_total") {
		t.Errorf("--metrics-secure=false: status %d, want the metrics over plain HTTP", code)
	}
}
