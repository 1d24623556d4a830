package load

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// pushRepos pushes one image per fleet repository and per unmanaged
// repository, and returns the fleet repositories' digests.
func (f *fleet) pushRepos(ctx context.Context) ([]string, error) {
	digests := make([]string, fleetRepos)
	f.governed, f.pinned = make([]string, fleetRepos), make([]string, fleetRepos)
	for i := range fleetRepos {
		f.governed[i] = f.reg.Repo(fleetRepo(i)) + ":" + fleetTag
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(setupWorkers)
	for i := range fleetRepos {
		g.Go(func() error {
			d, err := f.reg.Push(ctx, fleetRepo(i), fleetTag)
			if err != nil {
				return err
			}
			digests[i] = d[fleetTag].String()
			f.pinned[i] = f.governed[i] + "@" + digests[i]
			return nil
		})
	}
	for i := range unmanagedRepos {
		repo := fmt.Sprintf("load/unmanaged%d", i)
		f.unmanaged = append(f.unmanaged, f.reg.Repo(repo)+":"+unmanagedTag)
		g.Go(func() error { _, err := f.reg.Push(ctx, repo, unmanagedTag); return err })
	}
	return digests, g.Wait()
}

func fleetRepo(i int) string {
	return fmt.Sprintf("load/app%04d", i)
}

// createPolicies creates one policy per repository in every namespace and
// gives it the status a scan would have written: current is the pushed
// digest, the next scan is a day away and the rollout of current is
// recorded, so neither the scanner nor the rollout controller has work
// while the benchmark runs (they are not under test here).
func (f *fleet) createPolicies(ctx context.Context, digests []string) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(setupWorkers)
	now := metav1.NewTime(time.Now())
	for ns := range fleetNamespaces() {
		for i := range fleetRepos {
			g.Go(func() error {
				p := fleetPolicy(ns, i, f.reg.Repo(fleetRepo(i)))
				if err := f.cl.Create(ctx, p); err != nil {
					return fmt.Errorf("create policy %s/%s: %w", ns, p.Name, err)
				}
				p.Status = scannedStatus(p, f.governed[i], digests[i], now)
				if err := f.cl.Status().Update(ctx, p); err != nil {
					return fmt.Errorf("status of policy %s/%s: %w", ns, p.Name, err)
				}
				return nil
			})
		}
	}
	return g.Wait()
}

func fleetPolicy(ns string, i int, image string) *v1alpha1.ImagePolicy {
	return &v1alpha1.ImagePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("app%04d", i)},
		Spec: v1alpha1.ImagePolicySpec{
			Image: image, Schedule: "@daily",
			Select: v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: "^1"}},
		},
	}
}

// scannedStatus is the status of p after a successful scan that chose
// tagged (repository:tag) with digest.
func scannedStatus(p *v1alpha1.ImagePolicy, tagged, digest string, now metav1.Time) v1alpha1.ImagePolicyStatus {
	image := tagged + "@" + digest
	next := metav1.NewTime(now.Add(24 * time.Hour))
	return v1alpha1.ImagePolicyStatus{
		ObservedGeneration: p.Generation,
		Latest:             &v1alpha1.LatestImage{Tag: fleetTag, Digest: digest, FoundAt: now},
		Current: &v1alpha1.CurrentImage{
			ImageRecord: v1alpha1.ImageRecord{Image: image, Tag: fleetTag, Digest: digest, Source: v1alpha1.SourceScan, Since: now},
			ShortDigest: digest[len("sha256:") : len("sha256:")+12],
		},
		LastScan:   &v1alpha1.ScanRecord{Time: now, TagCount: 1, Requests: 2},
		NextScanAt: &next,
		Rollout:    &v1alpha1.RolloutStatus{Image: image, StartedAt: now},
		Conditions: []metav1.Condition{{
			Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonSucceeded,
			Message: "set by the load benchmark", LastTransitionTime: now, ObservedGeneration: p.Generation,
		}},
	}
}
