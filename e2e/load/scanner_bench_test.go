package load

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/e2e/buildtool"
	"github.com/imagepin/imagepin/e2e/controlplane"
	"github.com/imagepin/imagepin/e2e/registry"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

const (
	repos       = 100
	perRepo     = 10
	tagsPerRepo = 5
)

// BenchmarkScannerCycle measures one full scan cycle of 1,000 ImagePolicies
// over 100 repositories of a real Distribution registry, by an `imagepin
// manager` process started after the policies exist: the time until every
// policy has a status, the registry requests it sent, and its peak RSS.
func BenchmarkScannerCycle(b *testing.B) {
	ctx := b.Context()
	cp := controlplane.ForTest(b, controlplane.Options{CRDDirs: []string{"charts/imagepin/crds"}})
	reg := registry.StartT(b, registry.Options{})
	cl := newClient(b, cp)
	setupPolicies(b, ctx, cl, reg)
	bin := buildImagepin(b)
	for b.Loop() {
		resetStatus(b, ctx, cl)
		metricsAddr := freeAddr(b)
		proc := startManager(b, bin, cp, metricsAddr)
		start := time.Now()
		waitAllScanned(b, ctx, cl)
		cycle := time.Since(start)
		b.ReportMetric(cycle.Seconds(), "s/cycle")
		b.ReportMetric(registryRequests(b, metricsAddr), "registry-requests/cycle")
		b.ReportMetric(peakRSSMiB(b, proc.Process.Pid), "peak-RSS-MiB")
		stopProcess(proc)
	}
}

func newClient(b *testing.B, cp *controlplane.ControlPlane) client.Client {
	cl, err := client.New(cp.Config, client.Options{Scheme: scheme()})
	if err != nil {
		b.Fatal(err)
	}
	return cl
}

// setupPolicies pushes the repositories and creates the policies, ten per
// repository with different ranges so they choose different tags.
func setupPolicies(b *testing.B, ctx context.Context, cl client.Client, reg *registry.Registry) {
	tags := make([]string, tagsPerRepo)
	for i := range tags {
		tags[i] = fmt.Sprintf("1.%d.0", i)
	}
	ranges := []string{"^1", "<1.4.0", "<1.3.0", "~1.1", "1.0.x"}
	for r := range repos {
		repo := fmt.Sprintf("load/app%03d", r)
		if _, err := reg.Push(ctx, repo, tags...); err != nil {
			b.Fatal(err)
		}
		for i := range perRepo {
			p := &v1alpha1.ImagePolicy{
				ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: fmt.Sprintf("app%03d-%d", r, i)},
				Spec: v1alpha1.ImagePolicySpec{
					Image: reg.Repo(repo), Schedule: "@hourly",
					Select: v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: ranges[i%len(ranges)]}},
				},
			}
			if err := cl.Create(ctx, p); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// resetStatus clears every policy's status so that all are due.
func resetStatus(b *testing.B, ctx context.Context, cl client.Client) {
	var list v1alpha1.ImagePolicyList
	if err := cl.List(ctx, &list); err != nil {
		b.Fatal(err)
	}
	for i := range list.Items {
		p := &list.Items[i]
		p.Status = v1alpha1.ImagePolicyStatus{}
		if err := cl.Status().Update(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
}

func buildImagepin(b *testing.B) string {
	root, err := buildtool.RepoRoot()
	if err != nil {
		b.Fatal(err)
	}
	bin, err := goBuild(root, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	return bin
}

func startManager(b *testing.B, bin string, cp *controlplane.ControlPlane, metricsAddr string) *exec.Cmd {
	cmd := exec.Command(bin, "manager", "--kubeconfig", cp.Kubeconfig, "--leader-elect=false",
		"--cert-mode", "external", "--cert-dir", cp.Webhook.CertDir,
		"--webhook-bind-address", fmt.Sprintf("127.0.0.1:%d", cp.Webhook.Port),
		"--metrics-bind-address", metricsAddr, "--metrics-secure=false", "--health-probe-bind-address", "0", "--receiver-bind-address", "0")
	log, err := os.Create(filepath.Join(b.TempDir(), "manager.log"))
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stopProcess(cmd) })
	return cmd
}

func waitAllScanned(b *testing.B, ctx context.Context, cl client.Client) {
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 10*time.Minute, true, func(ctx context.Context) (bool, error) {
		var list v1alpha1.ImagePolicyList
		if err := cl.List(ctx, &list); err != nil {
			return false, err
		}
		for _, p := range list.Items {
			if p.Status.Current == nil {
				return false, nil
			}
		}
		return len(list.Items) == repos*perRepo, nil
	})
	if err != nil {
		b.Fatalf("policies not all scanned: %v", err)
	}
}

func stopProcess(cmd *exec.Cmd) {
	if cmd.ProcessState != nil {
		return
	}
	_ = cmd.Process.Signal(os.Interrupt)
	_, _ = cmd.Process.Wait()
}

// peakRSSMiB reads the process's high-water mark of resident memory.
func peakRSSMiB(b *testing.B, pid int) float64 {
	mib, err := rssMiB(pid, "VmHWM")
	if err != nil {
		b.Fatal(err)
	}
	return mib
}
