package load

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The cluster-shaped benchmark (b): Pods created by kube-controller-manager
// for Deployments, scheduled onto kwok Nodes and made Ready.
const (
	deployCount    = 100
	deployReplicas = 20
	deployGoverned = 5 // of 10 containers; the other 5 run unmanaged images
	deployPods     = deployCount * deployReplicas
	deployTimeout  = 20 * time.Minute
)

// deployResult is one round of the Deployment benchmark.
type deployResult struct {
	round deployRound
	// exist is when the Deployments' status counted every Pod, ready when
	// every Pod was Ready; both from the first create.
	exist, ready time.Duration
	metrics      phaseMetrics
}

// deployWarmCount Deployments run, unmeasured, before the first round.
const deployWarmCount = 10

// runDeployments warms up, then runs the rounds in order (see
// deployRounds).
func (f *fleet) runDeployments(ctx context.Context) ([]deployResult, error) {
	if err := f.createDeployments(ctx, nsDeployWarm, deployWarmCount); err != nil {
		return nil, err
	}
	if _, _, err := f.waitDeployments(ctx, nsDeployWarm, deployWarmCount*deployReplicas, time.Now()); err != nil {
		return nil, fmt.Errorf("warm-up Deployments: %w", err)
	}
	var out []deployResult
	for _, r := range deployRounds() {
		res, err := f.deployRound(ctx, r)
		if err != nil {
			return nil, fmt.Errorf("deployments in %s: %w", r.ns, err)
		}
		out = append(out, res)
	}
	return out, nil
}

func (f *fleet) deployRound(ctx context.Context, r deployRound) (deployResult, error) {
	res := deployResult{round: r}
	before, err := f.take(ctx)
	if err != nil {
		return res, err
	}
	start := time.Now()
	if err := f.createDeployments(ctx, r.ns, deployCount); err != nil {
		return res, err
	}
	if res.exist, res.ready, err = f.waitDeployments(ctx, r.ns, deployPods, start); err != nil {
		return res, err
	}
	after, err := f.takeAfter(ctx)
	if err != nil {
		return res, err
	}
	if res.metrics, err = diff(before, after); err != nil {
		return res, err
	}
	return res, f.checkDeployedPods(ctx, r)
}

// createDeployments creates n Deployments in ns, directWorkers at a time.
func (f *fleet) createDeployments(ctx context.Context, ns string, n int) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(directWorkers)
	for d := range n {
		g.Go(func() error { return f.cl.Create(ctx, f.deployment(ns, d)) })
	}
	return g.Wait()
}

// deployment d runs deployGoverned governed images (different ones for
// each Deployment) and the unmanaged images.
func (f *fleet) deployment(ns string, d int) *appsv1.Deployment {
	name := fmt.Sprintf("d%03d", d)
	labels := map[string]string{"app": name}
	var containers []corev1.Container
	for k := range deployGoverned {
		containers = append(containers, corev1.Container{Name: fmt.Sprintf("g%d", k), Image: f.governed[(d*deployGoverned+k)%fleetRepos]})
	}
	for k, image := range f.unmanaged {
		containers = append(containers, corev1.Container{Name: fmt.Sprintf("u%d", k), Image: image})
	}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](deployReplicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: containers, TerminationGracePeriodSeconds: ptr.To[int64](0)},
			},
		},
	}
}

// waitDeployments polls the Deployments of ns (100 small objects: cheap
// for the API server, unlike listing 2,000 Pods) until they count all pods
// and then have them Ready.
func (f *fleet) waitDeployments(ctx context.Context, ns string, pods int32, start time.Time) (exist, ready time.Duration, err error) {
	err = wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, deployTimeout, true, func(ctx context.Context) (bool, error) {
		var list appsv1.DeploymentList
		if err := f.cl.List(ctx, &list, client.InNamespace(ns)); err != nil {
			return false, err
		}
		var replicas, readyReplicas, updated int32
		for _, d := range list.Items {
			replicas += d.Status.Replicas
			readyReplicas += d.Status.ReadyReplicas
			updated += d.Status.UpdatedReplicas
		}
		if exist == 0 && replicas >= pods {
			exist = time.Since(start)
		}
		if readyReplicas == pods && updated == pods {
			ready = time.Since(start)
			return true, nil
		}
		return false, nil
	})
	return exist, ready, err
}

// checkDeployedPods checks that every Pod of the round exists once and has
// the images its namespace asks for: in enabled namespaces governed images
// pinned and unmanaged ones resolved, all by digest.
func (f *fleet) checkDeployedPods(ctx context.Context, r deployRound) error {
	var pods corev1.PodList
	if err := f.cl.List(ctx, &pods, client.InNamespace(r.ns)); err != nil {
		return err
	}
	var errs []error
	for i := range pods.Items {
		if err := checkPinned(&pods.Items[i], r.enabled); err != nil && len(errs) < 5 {
			errs = append(errs, err)
		}
	}
	if len(pods.Items) != deployPods {
		errs = append(errs, fmt.Errorf("%d Pods in %s, want %d", len(pods.Items), r.ns, deployPods))
	}
	return errors.Join(errs...)
}
