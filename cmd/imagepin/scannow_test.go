package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/imagepin/imagepin/internal/testenv/controlplane"
	"github.com/imagepin/imagepin/internal/testenv/registry"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// TestScanNow runs `imagepin scan-now` against a real API server and a
// manager: policies scanned hourly see a tag pushed after their last scan,
// by name and with --all, and --wait prints what they pin.
func TestScanNow(t *testing.T) {
	cp := controlPlane.Get(t)
	cl := newTestClient(t, cp)
	apps := newNamespace(t, cl, nil)
	runManager(t, cp, newNamespace(t, cl, nil), "--cert-mode", "external", "--cert-dir", cp.Webhook.CertDir)
	reg := registry.NewInProcess(t)
	reg.Push(t, "team/web", "1.0.0")
	reg.Push(t, "team/api", "1.0.0")
	web, api := hourly(apps, "web", reg.Repo("team/web")), hourly(apps, "api", reg.Repo("team/api"))
	for _, p := range []*v1alpha1.ImagePolicy{web, api} {
		if err := cl.Create(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		waitCurrent(t, cl, p, "1.0.0", time.Minute)
	}

	d := reg.Push(t, "team/web", "1.1.0")
	out := scanNow(t, cp, "-n", apps, "web", "--wait")
	if want := apps + "/web: pins " + reg.Repo("team/web") + ":1.1.0@" + d["1.1.0"]; !strings.Contains(out, want) {
		t.Errorf("scan-now printed:\n%s\nwant a line %q", out, want)
	}
	waitCurrent(t, cl, web, "1.1.0", time.Second)

	reg.Push(t, "team/web", "1.2.0")
	reg.Push(t, "team/api", "1.2.0")
	out = scanNow(t, cp, "--namespace="+apps, "--all", "--wait")
	for _, p := range []*v1alpha1.ImagePolicy{web, api} {
		waitCurrent(t, cl, p, "1.2.0", time.Second)
		if !strings.Contains(out, apps+"/"+p.Name+": pins ") {
			t.Errorf("scan-now --all printed:\n%s\nwant a line for %s", out, p.Name)
		}
	}
}

func TestScanNowRejects(t *testing.T) {
	tests := map[string]struct {
		args []string
		want string
	}{
		"neither names nor --all": {args: []string{"-n", "apps"}, want: "name the policies or give --all"},
		"both":                    {args: []string{"-n", "apps", "web", "--all"}, want: "not both"},
		"no kubeconfig":           {args: []string{"web", "--kubeconfig", "/nonexistent"}, want: "kubeconfig"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cmd := newRootCommand()
			cmd.SetArgs(append([]string{"scan-now"}, tc.args...))
			cmd.SetOut(&bytes.Buffer{})
			if err := cmd.ExecuteContext(t.Context()); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// scanNow runs `imagepin scan-now` in this process and returns its output.
func scanNow(t *testing.T, cp *controlplane.ControlPlane, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	cmd := newRootCommand()
	cmd.SetArgs(append([]string{"scan-now", "--kubeconfig", cp.Kubeconfig}, args...))
	cmd.SetOut(&out)
	if err := cmd.ExecuteContext(t.Context()); err != nil {
		t.Fatalf("imagepin scan-now %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// hourly is a policy of image in namespace ns, scanned every hour.
func hourly(ns, name, image string) *v1alpha1.ImagePolicy {
	return &v1alpha1.ImagePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.ImagePolicySpec{Image: image, Schedule: "@every 1h",
			Select: v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: "^1"}}},
	}
}
