package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/e2e/controlplane"
	"github.com/imagepin/imagepin/e2e/fixtures"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// TestManagerServesValidation runs `imagepin manager` as users do, against a
// real API server, and checks that it becomes ready and that the API server
// gets ImagePolicy validation from it.
func TestManagerServesValidation(t *testing.T) {
	cp := controlplane.ForTest(t, controlplane.Options{
		CRDDirs:            []string{"charts/imagepin/crds"},
		ValidatingWebhooks: []*admissionv1.ValidatingWebhookConfiguration{fixtures.ValidatingWebhook()},
	})
	probe := freeAddr(t)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		cmd := newRootCommand()
		cmd.SetArgs([]string{"manager", "--kubeconfig", cp.Kubeconfig, "--namespace", "imagepin-system",
			"--cert-mode", "external", "--cert-dir", cp.Webhook.CertDir,
			"--webhook-bind-address", fmt.Sprintf("%s:%d", cp.Webhook.Host, cp.Webhook.Port),
			"--metrics-bind-address", "0", "--health-probe-bind-address", probe, "--leader-elect=false"})
		done <- cmd.ExecuteContext(ctx)
	}()
	waitReady(t, "http://"+probe+"/readyz", done)

	scheme, err := newScheme()
	if err != nil {
		t.Fatal(err)
	}
	cl, err := client.New(cp.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	bad := &v1alpha1.ImagePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "bad"},
		Spec: v1alpha1.ImagePolicySpec{
			Image:  "ghcr.io/stefanprodan/podinfo",
			Select: v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: "latest please"}},
		},
	}
	err = cl.Create(t.Context(), bad)
	if err == nil || !strings.Contains(err.Error(), "spec.select.semver.range") || !strings.Contains(err.Error(), "admission webhook") {
		t.Errorf("create with a bad range: %v, want the manager's webhook to reject spec.select.semver.range", err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("manager returned %v after shutdown, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("manager did not stop within 30s of cancellation")
	}
}

func TestManagerRejectsBadFlags(t *testing.T) {
	tests := map[string]struct {
		args []string
		want string
	}{
		"unknown cert mode":        {args: []string{"--cert-mode", "magic"}, want: `--cert-mode="magic"`},
		"external without dir":     {args: []string{"--cert-mode", "external"}, want: "needs --cert-dir"},
		"leader without namespace": {args: []string{"--cert-mode", "external", "--cert-dir", "/tmp", "--namespace", ""}, want: "needs --namespace"},
		"missing kubeconfig": {args: []string{"--cert-mode", "external", "--cert-dir", "/tmp", "--leader-elect=false",
			"--kubeconfig", "/nonexistent"}, want: "kubeconfig /nonexistent"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cmd := newRootCommand()
			cmd.SetArgs(append([]string{"manager"}, tc.args...))
			cmd.SetOut(&bytes.Buffer{})
			err := cmd.ExecuteContext(t.Context())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	cmd := newRootCommand()
	cmd.SetArgs([]string{"version"})
	cmd.SetOut(&out)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "imagepin dev (") {
		t.Errorf("version printed %q", out.String())
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitReady(t *testing.T, url string, done <-chan error) {
	t.Helper()
	err := wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		select {
		case err := <-done:
			return false, fmt.Errorf("manager exited: %v", err)
		default:
		}
		resp, err := http.Get(url)
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		t.Fatalf("manager not ready: %v", err)
	}
}
