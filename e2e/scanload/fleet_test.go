package scanload

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/internal/testenv"
	"github.com/imagepin/imagepin/internal/testenv/controlplane"
	"github.com/imagepin/imagepin/internal/testenv/registry"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// shape is the size of a scanner benchmark: repos repositories of
// tagsPerRepo tags each, watched by policiesPerRepo policies each, one per
// namespace (so there are policiesPerRepo namespaces).
type shape struct {
	repos, policiesPerRepo, tagsPerRepo int
}

func (s shape) policies() int { return s.repos * s.policiesPerRepo }

// ranges are the policies' semver ranges, by policy index modulo their
// number: each picks another of the tags fleetTags makes, so a repository's
// policies choose len(ranges) distinct tags between them.
var ranges = []string{"^1", "<1.19.0", "~1.10", "1.5.x", ">=1.0.0 <1.3.0"}

// benchSchedule makes every policy due at each minute's start, all
// together: the steady cycle measures a full cycle of an unchanged fleet.
const benchSchedule = "* * * * *"

// setupWorkers is how many pushes or creates run at once while setting up.
const setupWorkers = 16

// fleetTags are n semver tags 1.MINOR.PATCH, ten patches per minor.
func fleetTags(n int) []string {
	tags := make([]string, n)
	for i := range tags {
		tags[i] = fmt.Sprintf("1.%d.%d", i/10, i%10)
	}
	return tags
}

func repoName(r int) string { return fmt.Sprintf("fleet/app%04d", r) }

// pushFleet pushes every repository with every tag, all pointing to one
// small image, through the registry's API, and reports how long it took.
func pushFleet(b *testing.B, ctx context.Context, reg *registry.Registry, s shape) {
	repos := make([]string, s.repos)
	for r := range repos {
		repos[r] = repoName(r)
	}
	start := time.Now()
	if _, err := reg.PushTags(ctx, repos, fleetTags(s.tagsPerRepo), setupWorkers); err != nil {
		b.Fatal(err)
	}
	d := time.Since(start)
	b.Logf("pushed %d repositories × %d tags in %s (%.0f manifests/s)",
		s.repos, s.tagsPerRepo, d.Round(time.Second), float64(s.repos*s.tagsPerRepo)/d.Seconds())
}

// createPolicies creates the namespaces and the policies.
func createPolicies(b *testing.B, ctx context.Context, cl client.Client, reg *registry.Registry, s shape) {
	start := time.Now()
	for n := range s.policiesPerRepo {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespaceName(n)}}
		if err := cl.Create(ctx, ns); err != nil {
			b.Fatal(err)
		}
	}
	err := testenv.Parallel(ctx, s.policies(), setupWorkers, func(i int) error {
		r, n := i/s.policiesPerRepo, i%s.policiesPerRepo
		p := &v1alpha1.ImagePolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: namespaceName(n), Name: fmt.Sprintf("app%04d", r)},
			Spec: v1alpha1.ImagePolicySpec{
				Image: reg.Repo(repoName(r)), Schedule: benchSchedule,
				Select: v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: ranges[n%len(ranges)]}},
			},
		}
		return cl.Create(ctx, p)
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("created %d policies in %s", s.policies(), time.Since(start).Round(time.Second))
}

func namespaceName(n int) string { return fmt.Sprintf("team-%02d", n) }

// resetStatus clears the status of every policy that has one, so that all
// are new to the scanner.
func resetStatus(b *testing.B, ctx context.Context, cl client.Client) {
	var list v1alpha1.ImagePolicyList
	if err := cl.List(ctx, &list); err != nil {
		b.Fatal(err)
	}
	err := testenv.Parallel(ctx, len(list.Items), setupWorkers, func(i int) error {
		p := &list.Items[i]
		if p.Status.ObservedGeneration == 0 && p.Status.Current == nil {
			return nil
		}
		p.Status = v1alpha1.ImagePolicyStatus{}
		return cl.Status().Update(ctx, p)
	})
	if err != nil {
		b.Fatal(err)
	}
}

func newClient(b *testing.B, cp *controlplane.ControlPlane) client.Client {
	s := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(s); err != nil {
		b.Fatal(err)
	}
	if err := corev1.AddToScheme(s); err != nil {
		b.Fatal(err)
	}
	cl, err := client.New(cp.Config, client.Options{Scheme: s})
	if err != nil {
		b.Fatal(err)
	}
	return cl
}
