package load

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// noScheduler is the schedulerName of the directly created Pods: no
// scheduler serves it, so they stay Pending, untouched by kube-scheduler and
// kwok, and are deleted at once. Only their admission is measured.
const noScheduler = "imagepin-load-none"

// podShape is a Pod of the direct benchmark: how many containers, all of
// governed images.
type podShape struct {
	name       string
	containers int
}

func podShapes() []podShape {
	return []podShape{{"1-container", 1}, {"10-container", 10}}
}

// directPod is a bare Pod of shape whose i-th container runs the i-th
// governed image.
func (f *fleet) directPod(ns, name string, shape podShape) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.PodSpec{
			SchedulerName:                 noScheduler,
			TerminationGracePeriodSeconds: ptr.To[int64](0),
		},
	}
	for i := range shape.containers {
		pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: fmt.Sprintf("c%d", i), Image: f.governed[i]})
	}
	return pod
}

// checkPinned says whether the Pod's images are what its namespace asks
// for: all pinned by digest where pinning is enabled, all as submitted
// otherwise.
func checkPinned(pod *corev1.Pod, enabled bool) error {
	for _, c := range pod.Spec.Containers {
		if pinned := strings.Contains(c.Image, "@sha256:"); pinned != enabled {
			return fmt.Errorf("pod %s/%s container %s has image %s (pinning enabled: %t)", pod.Namespace, pod.Name, c.Name, c.Image, enabled)
		}
	}
	if _, ok := pod.Annotations[v1alpha1.OriginalImagesAnnotation]; ok != enabled {
		return fmt.Errorf("pod %s/%s: annotation %s present: %t, pinning enabled: %t", pod.Namespace, pod.Name, v1alpha1.OriginalImagesAnnotation, ok, enabled)
	}
	return nil
}

// createPods creates n Pods of shape in ns, workers at a time, and returns
// each create's latency as the client saw it. Every Pod is checked.
func (f *fleet) createPods(ctx context.Context, ns, prefix string, shape podShape, n, workers int) ([]time.Duration, error) {
	enabled := pinnedIn(ns)
	jobs := make(chan int)
	took := make([]time.Duration, n)
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				pod := f.directPod(ns, fmt.Sprintf("%s-%04d", prefix, i), shape)
				start := time.Now()
				err := f.cl.Create(ctx, pod)
				took[i] = time.Since(start)
				if err == nil {
					err = checkPinned(pod, enabled)
				}
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return took, errors.Join(errs...)
}

// deletePods deletes every Pod of ns and waits until they are gone; the
// Pods are unscheduled, so the API server removes them at once.
func (f *fleet) deletePods(ctx context.Context, ns string) error {
	if err := f.cl.DeleteAllOf(ctx, &corev1.Pod{}, client.InNamespace(ns), client.GracePeriodSeconds(0)); err != nil {
		return fmt.Errorf("delete Pods of %s: %w", ns, err)
	}
	return f.waitEmpty(ctx, ns, 2*time.Minute)
}

// checkPinning creates one 10-container Pod in each direct namespace and
// checks it (the floor webhook may take a moment to be called), and one
// with unmanaged images in the enabled namespace, which also puts their
// digests into the webhook's cache.
func (f *fleet) checkPinning(ctx context.Context) error {
	for _, ns := range directNamespaces() {
		try := 0
		err := wait.PollUntilContextTimeout(ctx, time.Second, time.Minute, true, func(ctx context.Context) (bool, error) {
			try++
			_, err := f.createPods(ctx, ns, fmt.Sprintf("check-%d", try), podShapes()[1], 1, 1)
			return err == nil, nil
		})
		if err != nil {
			_, err2 := f.createPods(ctx, ns, "check-last", podShapes()[1], 1, 1)
			return fmt.Errorf("%w: %v", err, err2)
		}
	}
	pod := f.directPod(nsDirectEnabled, "check-unmanaged", podShape{containers: 0})
	for i, image := range f.unmanaged {
		pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: fmt.Sprintf("u%d", i), Image: image})
	}
	if err := f.cl.Create(ctx, pod); err != nil {
		return err
	}
	if err := checkPinned(pod, true); err != nil {
		return fmt.Errorf("unmanaged images not resolved: %w", err)
	}
	for _, ns := range directNamespaces() {
		if err := f.deletePods(ctx, ns); err != nil {
			return err
		}
	}
	return nil
}
