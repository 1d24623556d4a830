package load

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/imagepin/imagepin/internal/testenv"
	"github.com/imagepin/imagepin/internal/testenv/controlplane"
	"github.com/imagepin/imagepin/internal/testenv/fixtures"
	"github.com/imagepin/imagepin/internal/testenv/kubescheme"
	"github.com/imagepin/imagepin/internal/testenv/manager"
	"github.com/imagepin/imagepin/internal/testenv/registry"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// Sizes of the fleet: every namespace holds one ImagePolicy per repository,
// 10 namespaces × 1,000 = 10,000 policies; Pods use a few of them.
const (
	fleetRepos      = 1000
	fleetTag        = "1.0.0"
	unmanagedRepos  = 5
	unmanagedTag    = "1.0"
	kwokNodes       = 10 // 1,000 Pods each: room for every Deployment round at once
	setupWorkers    = 8
	pprofAddrEnv    = "IMAGEPIN_LOAD_PPROF_ADDR" // read by the overlay file, see pprofbuild_test.go
	settleQuietCPU  = 0.04                       // CPU seconds per settleWindow that count as idle
	settleWindow    = 2 * time.Second
	settleMaxWait   = 3 * time.Minute
	namespacePrefix = "load-"
)

// Namespaces of the direct Pod creates (a) and the profiles (c). The floor
// namespace is served by a webhook that answers at once (see floor_test.go).
const (
	nsDirectPlain   = namespacePrefix + "direct-plain"
	nsDirectFloor   = namespacePrefix + "direct-floor"
	nsDirectEnabled = namespacePrefix + "direct-enabled"
)

// deployRound is one round of the Deployment benchmark (b) in its own
// namespace, so that no round waits for the Pods of the last one to go.
type deployRound struct {
	ns      string
	enabled bool
}

// deployRounds alternate plain and enabled as ABBA, so that a drift of the
// machine's load during the run hits both alike.
func deployRounds() []deployRound {
	return []deployRound{
		{namespacePrefix + "deploy-plain-1", false}, {namespacePrefix + "deploy-enabled-1", true},
		{namespacePrefix + "deploy-enabled-2", true}, {namespacePrefix + "deploy-plain-2", false},
	}
}

// nsDeployWarm is where Deployments warm kube-controller-manager, the
// scheduler, kwok and imagepin's revision path up before the first round.
const nsDeployWarm = namespacePrefix + "deploy-warm"

// fleetNamespaces are all namespaces with their labels; the fill
// namespaces bring the policies to 10,000.
func fleetNamespaces() map[string]map[string]string {
	enabled := map[string]string{v1alpha1.PinningLabel: v1alpha1.PinningEnabled}
	ns := map[string]map[string]string{
		nsDirectPlain: nil, nsDirectEnabled: enabled, nsDeployWarm: enabled,
		nsDirectFloor: {floorLabel: "true"},
	}
	for _, r := range deployRounds() {
		ns[r.ns] = nil
		if r.enabled {
			ns[r.ns] = enabled
		}
	}
	for i := range 2 {
		ns[fmt.Sprintf("%sfill-%d", namespacePrefix, i)] = nil
	}
	return ns
}

// pinnedIn says whether Pods of namespace ns come out pinned.
func pinnedIn(ns string) bool {
	l := fleetNamespaces()[ns]
	return l[v1alpha1.PinningLabel] == v1alpha1.PinningEnabled || l[floorLabel] == "true"
}

// fleet is the running system under load.
type fleet struct {
	cp        *controlplane.ControlPlane
	reg       *registry.Registry
	cl        client.Client  // an administrator without client-side rate limit
	admin     rest.Interface // the same, for /metrics and /debug/pprof
	mgr       *manager.Manager
	pprofAddr string
	pids      map[string]int
	governed  []string // repository:tag of each repository, governed in every namespace
	pinned    []string // the same with the digest: what imagepin pins them to
	unmanaged []string // repository:tag that no policy governs
	out       string   // folder of profiles, logs and the summary
	rssIdle   float64  // imagepin's RSS once its caches hold the fleet
	steps     []string // how long each step of the set-up took
}

// newFleet starts everything and checks that imagepin pins, so the figures
// that follow measure a webhook that works.
func newFleet(b *testing.B, out string) *fleet {
	ctx := b.Context()
	f := &fleet{out: out}
	built := make(chan buildResult, 1)
	go func() { built <- buildProfiled(b.TempDir()) }()
	logf.SetLogger(logr.Discard()) // envtest logs through controller-runtime
	step := func(name string, fn func() error) { f.step(b, name, fn) }
	step("control plane", func() error {
		f.cp = controlplane.ForBenchmark(b, controlplane.Options{
			CRDDirs: []string{"charts/imagepin/crds"}, Nodes: kwokNodes,
			MutatingWebhooks: []*admissionv1.MutatingWebhookConfiguration{fixtures.MutatingWebhook()},
		})
		return f.clients()
	})
	f.reg = registry.StartT(b, registry.Options{})
	var digests []string
	step("registry", func() (err error) { digests, err = f.pushRepos(ctx); return err })
	step("namespaces", func() error { return f.createNamespaces(ctx) })
	step("floor webhook", func() error { return f.startFloor(b) })
	step(fmt.Sprintf("%d policies", fleetRepos*len(fleetNamespaces())), func() error { return f.createPolicies(ctx, digests) })
	res := <-built
	if res.err != nil {
		b.Fatal(res.err)
	}
	step("imagepin manager", func() error { return f.startManager(b, res.bin) })
	step("settle", func() error { return f.settle(ctx) })
	step("pinning check", func() error { return f.checkPinning(ctx) })
	var err error
	if f.rssIdle, err = rssMiB(f.mgr.Pid(), "VmRSS"); err != nil {
		b.Fatal(err)
	}
	return f
}

// step runs one part of the set-up and notes its time for the summary.
func (f *fleet) step(b *testing.B, name string, fn func() error) {
	b.Helper()
	start := time.Now()
	if err := fn(); err != nil {
		b.Fatalf("%s: %v", name, err)
	}
	f.steps = append(f.steps, fmt.Sprintf("%s %s", name, time.Since(start).Round(100*time.Millisecond)))
}

func (f *fleet) clients() error {
	cfg := rest.CopyConfig(f.cp.Config)
	cfg.QPS = -1 // the load generator must not be throttled by itself
	var err error
	if f.cl, err = client.New(cfg, client.Options{Scheme: kubescheme.Must()}); err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	f.admin = cs.Discovery().RESTClient()
	return nil
}

func (f *fleet) createNamespaces(ctx context.Context) error {
	for name, labels := range fleetNamespaces() {
		if err := f.cl.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}); err != nil {
			return err
		}
	}
	// The ServiceAccount admission plugin refuses Pods until the
	// namespace's default ServiceAccount exists.
	for name := range fleetNamespaces() {
		err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			return f.cl.Get(ctx, client.ObjectKey{Namespace: name, Name: "default"}, &corev1.ServiceAccount{}) == nil, nil
		})
		if err != nil {
			return fmt.Errorf("default ServiceAccount of %s: %w", name, err)
		}
	}
	return nil
}

// startManager runs `imagepin manager` (built with the pprof overlay) with
// the control plane's webhook serving certificate.
func (f *fleet) startManager(b *testing.B, bin string) error {
	f.pprofAddr = testenv.FreeAddrT(b)
	b.Setenv(pprofAddrEnv, f.pprofAddr)
	webhookAddr := fmt.Sprintf("127.0.0.1:%d", f.cp.Webhook.Port)
	f.mgr = &manager.Manager{
		Bin: bin, WebhookAddr: webhookAddr, ProbeAddr: testenv.FreeAddrT(b), MetricsAddr: testenv.FreeAddrT(b),
		LogFile: filepath.Join(f.out, "manager.log"),
	}
	f.mgr.Args = []string{"manager", "--kubeconfig", f.cp.Kubeconfig, "--leader-elect=false",
		"--cert-mode", "external", "--cert-dir", f.cp.Webhook.CertDir, "--webhook-bind-address", webhookAddr,
		"--metrics-bind-address", f.mgr.MetricsAddr, "--metrics-secure=false",
		"--health-probe-bind-address", f.mgr.ProbeAddr, "--receiver-bind-address", "0"}
	manager.StartT(b, f.mgr)
	var err error
	if f.pids, err = childPids(); err != nil {
		return err
	}
	for _, name := range reportedProcs() {
		if f.pids[name] == 0 {
			return fmt.Errorf("no child process %q among %v", name, f.pids)
		}
	}
	return nil
}

// settle waits until imagepin is idle: its caches synced, the scanner and
// the rollout controller found nothing due.
func (f *fleet) settle(ctx context.Context) error {
	pid := map[string]int{procImagepin: f.pids[procImagepin]}
	last, err := cpuSeconds(pid)
	if err != nil {
		return err
	}
	return wait.PollUntilContextTimeout(ctx, settleWindow, settleMaxWait, false, func(context.Context) (bool, error) {
		now, err := cpuSeconds(pid)
		if err != nil {
			return false, err
		}
		busy := now[procImagepin] - last[procImagepin]
		last = now
		return busy < settleQuietCPU, nil
	})
}

// newOutDir makes the folder of this run's files under out/ (git-ignored).
func newOutDir(b *testing.B) string {
	dir := filepath.Join("out", time.Now().Format("20060102-150405"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		b.Fatal(err)
	}
	return abs
}

// waitEmpty waits until namespace ns holds no Pods.
func (f *fleet) waitEmpty(ctx context.Context, ns string, timeout time.Duration) error {
	return wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		var list metav1.PartialObjectMetadataList
		list.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("PodList"))
		if err := f.cl.List(ctx, &list, client.InNamespace(ns), client.Limit(1)); err != nil {
			return false, err
		}
		return len(list.Items) == 0, nil
	})
}
