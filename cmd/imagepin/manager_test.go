package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/internal/testenv"
	"github.com/imagepin/imagepin/internal/testenv/controlplane"
	"github.com/imagepin/imagepin/internal/testenv/fixtures"
	"github.com/imagepin/imagepin/internal/testenv/manager"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/scanner"
)

// TestManagerServesWebhooks runs `imagepin manager` as users do, against a
// real API server, in the external and the self-signed certificate modes: it
// becomes ready, the API server trusts its certificate (in self-signed mode
// through the caBundle the manager writes), and ImagePolicy validation and
// Pod pinning come from it.
func TestManagerServesWebhooks(t *testing.T) {
	tests := map[string]func(cp *controlplane.ControlPlane) []string{
		"external": func(cp *controlplane.ControlPlane) []string {
			return []string{"--cert-mode", "external", "--cert-dir", cp.Webhook.CertDir}
		},
		"self-signed": func(*controlplane.ControlPlane) []string {
			return []string{"--cert-mode", "self-signed", "--cert-extra-san", "127.0.0.1"}
		},
	}
	for name, certArgs := range tests {
		t.Run(name, func(t *testing.T) {
			cp := controlPlane.Get(t)
			cp.InstallWebhooks(t, fixtures.ValidatingWebhook(), fixtures.MutatingWebhook())
			cl := newTestClient(t, cp)
			runManager(t, cp, newNamespace(t, cl, nil), certArgs(cp)...)
			assertValidation(t, cl)
			assertPinning(t, cl)
		})
	}
}

// runManager runs `imagepin manager` with its own namespace own as its own
// process (this test binary, see TestMain) until the test ends, and waits
// until it is ready. Its own process, because controller-runtime keeps
// process-wide state (metrics, controller names) that one manager per
// process assumes.
func runManager(t *testing.T, cp *controlplane.ControlPlane, own string, extra ...string) {
	t.Helper()
	probe := testenv.FreeAddrT(t)
	args := append([]string{"manager", "--kubeconfig", cp.Kubeconfig, "--namespace", own,
		"--webhook-bind-address", fmt.Sprintf("%s:%d", cp.Webhook.Host, cp.Webhook.Port),
		"--metrics-bind-address", "0", "--health-probe-bind-address", probe, "--leader-elect=false",
		"--receiver-bind-address", "0"}, extra...)
	startImagepin(t, probe, args...)
}

// startImagepin runs this test binary as imagepin with args until the test
// ends (SIGTERM, after which it must exit 0), and waits until /readyz on
// probe answers.
func startImagepin(t *testing.T, probe string, args ...string) *manager.Manager {
	t.Helper()
	m := &manager.Manager{Bin: os.Args[0], Args: args, Env: []string{runAsImagepin + "=1"},
		ProbeAddr: probe, LogFile: filepath.Join(t.TempDir(), "imagepin.log")}
	manager.StartT(t, m)
	return m
}

func assertValidation(t *testing.T, cl client.Client) {
	t.Helper()
	bad := &v1alpha1.ImagePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "bad"},
		Spec: v1alpha1.ImagePolicySpec{
			Image:  "ghcr.io/stefanprodan/podinfo",
			Select: v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: "latest please"}},
		},
	}
	err := cl.Create(t.Context(), bad)
	if err == nil || !strings.Contains(err.Error(), "spec.select.semver.range") || !strings.Contains(err.Error(), "admission webhook") {
		t.Errorf("create with a bad range: %v, want the manager's webhook to reject spec.select.semver.range", err)
	}
}

// assertPinning creates a policy with a status and a Pod that uses its
// repository in an opted-in namespace: the Pod must come out pinned.
func assertPinning(t *testing.T, cl client.Client) {
	t.Helper()
	ctx := t.Context()
	ns := newNamespace(t, cl, map[string]string{v1alpha1.PinningLabel: v1alpha1.PinningStrict})
	p := &v1alpha1.ImagePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec: v1alpha1.ImagePolicySpec{Image: "registry.example/web", Suspend: true,
			Select: v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: "^1"}}},
	}
	if err := cl.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	pinned := "registry.example/web:1.2.3@sha256:" + strings.Repeat("ab", 32)
	// The scanner writes this status too (suspended): retry on its conflicts.
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := cl.Get(ctx, client.ObjectKeyFromObject(p), p); err != nil {
			return err
		}
		p.Status.Current = &v1alpha1.CurrentImage{ImageRecord: v1alpha1.ImageRecord{Image: pinned, Tag: "1.2.3",
			Digest: "sha256:" + strings.Repeat("ab", 32), Source: v1alpha1.SourceScan}}
		return cl.Status().Update(ctx, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "registry.example/web:1.0.0"}}}}
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		err := cl.Create(ctx, pod) // the informer may not have seen the status yet: strict denies until then
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("pod never admitted: %v", err)
	}
	if got := pod.Spec.Containers[0].Image; got != pinned {
		t.Errorf("pod image = %s, want %s", got, pinned)
	}
}

func newTestClient(t *testing.T, cp *controlplane.ControlPlane) client.Client {
	t.Helper()
	scheme, err := newScheme()
	if err != nil {
		t.Fatal(err)
	}
	cl, err := client.New(cp.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// newNamespace creates a namespace with labels for t. When t ends the
// ImagePolicies in it are deleted, so that the managers of later tests do
// not scan them (without kube-controller-manager, deleting the namespace
// would not).
func newNamespace(t *testing.T, cl client.Client, labels map[string]string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "imagepin-test-", Labels: labels}}
	if err := cl.Create(t.Context(), ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cl.DeleteAllOf(context.Background(), &v1alpha1.ImagePolicy{}, client.InNamespace(ns.Name)); err != nil {
			t.Errorf("delete the policies of %s: %v", ns.Name, err)
		}
	})
	return ns.Name
}

func TestManagerRejectsBadFlags(t *testing.T) {
	tests := map[string]struct {
		args []string
		want string
	}{
		"unknown cert mode":             {args: []string{"--cert-mode", "magic"}, want: `certificate mode "magic": must be`},
		"self-signed without namespace": {args: []string{"--namespace", "", "--leader-elect=false"}, want: "needs --namespace"},
		"external without dir":          {args: []string{"--cert-mode", "external"}, want: "needs --cert-dir"},
		"leader without namespace":      {args: []string{"--cert-mode", "external", "--cert-dir", "/tmp", "--namespace", ""}, want: "needs --namespace"},
		"receiver without namespace": {args: []string{"--cert-mode", "external", "--cert-dir", "/tmp", "--leader-elect=false", "--namespace", ""},
			want: "--receiver-bind-address needs --namespace"},
		"zero scan timeout": {args: []string{"--cert-mode", "external", "--cert-dir", "/tmp", "--leader-elect=false",
			"--receiver-bind-address=0", "--scan-timeout=0s"}, want: "--scan-timeout must be positive"},
		"negative status refresh": {args: []string{"--cert-mode", "external", "--cert-dir", "/tmp", "--leader-elect=false",
			"--receiver-bind-address=0", "--scan-status-refresh=-1s"}, want: "--scan-status-refresh and --scan-start-spread must not be negative"},
		"bad git cache budget": {args: []string{"--cert-mode", "external", "--cert-dir", "/tmp", "--leader-elect=false",
			"--receiver-bind-address=0", "--git-cache-max-bytes", "a lot"}, want: `--git-cache-max-bytes "a lot"`},
		"missing kubeconfig": {args: []string{"--cert-mode", "external", "--cert-dir", "/tmp", "--leader-elect=false",
			"--receiver-bind-address=0", "--kubeconfig", "/nonexistent"}, want: "kubeconfig /nonexistent"},
		"bad deny CIDR": {args: []string{"--cert-mode", "external", "--cert-dir", "/tmp", "--leader-elect=false",
			"--receiver-bind-address=0", "--registry-deny-cidrs", "10.0.0.0/8,metadata"}, want: "--registry-deny-cidrs"},
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

func TestScanStatusRefreshFlag(t *testing.T) {
	for args, want := range map[string]time.Duration{
		"":                         scanner.DefaultStatusRefresh,
		"--scan-status-refresh=0":  scanner.EveryScan,
		"--scan-status-refresh=5m": 5 * time.Minute,
	} {
		o := &managerOptions{}
		cmd := &cobra.Command{}
		o.bindFlags(cmd)
		if err := cmd.Flags().Parse(strings.Fields(args)); err != nil {
			t.Fatal(err)
		}
		if got := o.statusRefresh(); got != want {
			t.Errorf("%q: status refresh %s, want %s", args, got, want)
		}
	}
}
