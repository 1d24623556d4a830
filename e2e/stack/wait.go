package stack

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// StepTimeout bounds every wait of the stack's helpers: generous, because
// the machines that run the scenario are shared and slow at times.
const StepTimeout = 2 * time.Minute

// pollInterval is how often the helpers look again.
const pollInterval = 250 * time.Millisecond

// WaitPolicy polls the ImagePolicy key until cond holds and returns it. The
// error describes want and shows the policy's last status.
func (s *Stack) WaitPolicy(ctx context.Context, key client.ObjectKey, want string, cond func(*v1alpha1.ImagePolicy) bool) (*v1alpha1.ImagePolicy, error) {
	var p v1alpha1.ImagePolicy
	err := wait.PollUntilContextTimeout(ctx, pollInterval, StepTimeout, true, func(ctx context.Context) (bool, error) {
		if err := s.Client.Get(ctx, key, &p); err != nil {
			return false, nil // the API server may be slow to answer; keep trying
		}
		return cond(&p), nil
	})
	if err != nil {
		status, _ := yaml.Marshal(p.Status)
		return nil, fmt.Errorf("ImagePolicy %s: %s: %w; its status:\n%s", key, want, err, status)
	}
	return &p, nil
}

// CurrentIs returns a condition of WaitPolicy: status.current is tag with
// its digest in the registry, from source, for the policy's generation.
func (s *Stack) CurrentIs(tag string, source v1alpha1.Source) func(*v1alpha1.ImagePolicy) bool {
	return func(p *v1alpha1.ImagePolicy) bool {
		c := p.Status.Current
		return c != nil && p.Status.ObservedGeneration == p.Generation && c.Tag == tag &&
			c.Digest == s.Digests[tag] && c.Image == s.Pinned(tag) && c.Source == source
	}
}

// DryRunPod submits a Pod with one container running image to namespace ns
// as a server-side dry run, so that the API server calls the webhooks, and
// returns what it would have stored.
func (s *Stack) DryRunPod(ctx context.Context, ns, image string) (*corev1.Pod, error) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, GenerateName: "probe-"},
		Spec: corev1.PodSpec{
			Containers:       []corev1.Container{{Name: SampleContainer, Image: image}},
			ImagePullSecrets: []corev1.LocalObjectReference{{Name: PullSecret}},
		},
	}
	if err := s.Client.Create(ctx, pod, client.DryRunAll); err != nil {
		return nil, err
	}
	return pod, nil
}

// WaitWebhookPins waits until a Pod of namespace ns with image would be
// admitted with want: the webhook serves from its informer cache, which
// sees a policy's new status shortly after the API server does.
func (s *Stack) WaitWebhookPins(ctx context.Context, ns, image, want string) error {
	var got string
	var lastErr error
	err := wait.PollUntilContextTimeout(ctx, pollInterval, StepTimeout, true, func(ctx context.Context) (bool, error) {
		pod, err := s.DryRunPod(ctx, ns, image)
		if lastErr = err; err != nil {
			return false, nil
		}
		got = pod.Spec.Containers[0].Image
		return got == want, nil
	})
	if err != nil {
		return fmt.Errorf("a Pod with %s in %s: image %q, want %q (last error: %v): %w", image, ns, got, want, lastErr, err)
	}
	return nil
}

// WaitPods waits until namespace ns holds n Pods with labels and returns them.
func (s *Stack) WaitPods(ctx context.Context, ns string, labels map[string]string, n int) ([]corev1.Pod, error) {
	var pods corev1.PodList
	err := wait.PollUntilContextTimeout(ctx, pollInterval, StepTimeout, true, func(ctx context.Context) (bool, error) {
		if err := s.Client.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels(labels)); err != nil {
			return false, nil
		}
		live := pods.Items[:0]
		for _, p := range pods.Items {
			if p.DeletionTimestamp == nil {
				live = append(live, p)
			}
		}
		pods.Items = live
		return len(live) == n, nil
	})
	if err != nil {
		return nil, fmt.Errorf("%d Pods with %v in %s, want %d: %w", len(pods.Items), labels, ns, n, err)
	}
	return pods.Items, nil
}
