package scanner_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/yaml"

	"github.com/imagepin/imagepin/internal/testenv/controlplane"
	"github.com/imagepin/imagepin/internal/testenv/kubescheme"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/resolver"
)

// The tests share one real API server; each runs its own scanner, limited to
// its own namespace, against its own registry.
var (
	cp     *controlplane.ControlPlane
	cl     client.Client
	scheme = kubescheme.Must()
)

func TestMain(m *testing.M) {
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr)))
	os.Exit(controlplane.RunTests(m, controlplane.Options{CRDDirs: []string{"charts/imagepin/crds"}}, func(c *controlplane.ControlPlane) (err error) {
		cp = c
		cl, err = client.New(cp.Config, client.Options{Scheme: scheme})
		return err
	}))
}

func newResolver(t *testing.T) *resolver.Resolver {
	t.Helper()
	res, err := resolver.New(resolver.WithRegisterer(prometheus.NewRegistry()), resolver.WithRetry(2, 10*time.Millisecond, 50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func namespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "scan-"}}
	if err := cl.Create(t.Context(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// semverPolicy builds a policy scanned every second.
func semverPolicy(ns, name, image, rng string) *v1alpha1.ImagePolicy {
	return &v1alpha1.ImagePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.ImagePolicySpec{
			Image:    image,
			Schedule: "@every 1s",
			Select:   v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: rng}},
		},
	}
}

// waitFor polls p until cond holds, and fails the test with p's status if it
// does not within 30s.
func waitFor(t *testing.T, p *v1alpha1.ImagePolicy, what string, cond func(*v1alpha1.ImagePolicy) bool) {
	t.Helper()
	waitWithin(t, p, what, 30*time.Second, cond)
}

// waitWithin is waitFor with another time limit.
func waitWithin(t *testing.T, p *v1alpha1.ImagePolicy, what string, limit time.Duration, cond func(*v1alpha1.ImagePolicy) bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, limit, true, func(ctx context.Context) (bool, error) {
		if err := cl.Get(ctx, client.ObjectKeyFromObject(p), p); err != nil {
			return false, err
		}
		return cond(p), nil
	})
	if err != nil {
		status, _ := yaml.Marshal(p.Status)
		t.Fatalf("%s/%s: waiting for %s: %v\nstatus:\n%s", p.Namespace, p.Name, what, err, status)
	}
}

// currentIs returns a condition that current is tag with digest from source.
func currentIs(tag, digest string, source v1alpha1.Source) func(*v1alpha1.ImagePolicy) bool {
	return func(p *v1alpha1.ImagePolicy) bool {
		c := p.Status.Current
		return c != nil && c.Tag == tag && c.Digest == digest && c.Source == source
	}
}

func condition(p *v1alpha1.ImagePolicy, typ string) metav1.Condition {
	for _, c := range p.Status.Conditions {
		if c.Type == typ {
			return c
		}
	}
	return metav1.Condition{}
}
