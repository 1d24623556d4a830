package controlplane

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// NodeName returns the name of the i-th fake Node (from 0).
func NodeName(i int) string {
	return fmt.Sprintf("kwok-node-%d", i)
}

// nodeCapacity is what each fake Node offers: room for load tests with
// thousands of Pods on a handful of Nodes.
var nodeCapacity = corev1.ResourceList{
	corev1.ResourceCPU:    resource.MustParse("32"),
	corev1.ResourceMemory: resource.MustParse("128Gi"),
	corev1.ResourcePods:   resource.MustParse("1000"),
}

// fakeNode is the i-th Node that kwok plays the kubelet of. The API server
// keeps the status of a Node on create; kwok's node-initialize Stage takes
// capacity and allocatable from there and sets the conditions.
func fakeNode(i int) *corev1.Node {
	name := NodeName(i)
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{FakeNodeAnnotation: "fake"},
			Labels: map[string]string{
				corev1.LabelHostname: name, corev1.LabelOSStable: "linux", corev1.LabelArchStable: "amd64",
				"type": "kwok",
			},
		},
		Status: corev1.NodeStatus{Capacity: nodeCapacity, Allocatable: nodeCapacity},
	}
}

func createNodes(ctx context.Context, cl client.Client, n int) error {
	for i := range n {
		if err := cl.Create(ctx, fakeNode(i)); err != nil {
			return fmt.Errorf("create Node %s: %w", NodeName(i), err)
		}
	}
	return nil
}

// waitNodes waits until every fake Node is Ready and free of taints that
// keep Pods away (the API server taints a new Node not-ready until
// kube-controller-manager sees it Ready), then until a probe Pod has run on
// one of them: only then do the scheduler and kwok demonstrably work.
func (c *ControlPlane) waitNodes(ctx context.Context, cl client.Client, n int) error {
	var last string
	err := wait.PollUntilContextTimeout(ctx, pollInterval, startTimeout, true, func(ctx context.Context) (bool, error) {
		if err := c.nodeComponentsExited(); err != nil {
			return false, err
		}
		var nodes corev1.NodeList
		if err := cl.List(ctx, &nodes); err != nil {
			return false, nil // the API server may be slow to answer; keep trying
		}
		last = nodesNotReady(nodes.Items)
		return len(nodes.Items) >= n && last == "", nil
	})
	if err != nil {
		return fmt.Errorf("fake Nodes not ready (%s): %w\nkwok log:\n%s", last, err, c.kwok.LogTail(logTailLines))
	}
	return c.runProbe(ctx, cl)
}

// nodeComponentsExited returns an error once kube-scheduler or kwok exited.
func (c *ControlPlane) nodeComponentsExited() error {
	if err := c.scheduler.Exited(); err != nil {
		return fmt.Errorf("%w\n%s", err, c.scheduler.LogTail(logTailLines))
	}
	if err := c.kwok.Exited(); err != nil {
		return fmt.Errorf("%w\n%s", err, c.kwok.LogTail(logTailLines))
	}
	return nil
}

// nodesNotReady says which Nodes are not Ready or are tainted, "" when
// every Node can run Pods.
func nodesNotReady(nodes []corev1.Node) string {
	var why []string
	for _, node := range nodes {
		if !nodeReady(&node) {
			why = append(why, node.Name+" not Ready")
		}
		for _, t := range node.Spec.Taints {
			why = append(why, fmt.Sprintf("%s tainted %s:%s", node.Name, t.Key, t.Effect))
		}
	}
	return strings.Join(why, ", ")
}

func nodeReady(node *corev1.Node) bool {
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// probeName is the Pod that proves scheduling works; it lives in
// kube-system, where tests do not look, and is gone when Start returns.
const probeName = "imagepin-kwok-probe"

// runProbe creates a Pod, waits until it is scheduled and Running, deletes
// it as a controller would, and waits until kwok has removed it.
func (c *ControlPlane) runProbe(ctx context.Context, cl client.Client) error {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: metav1.NamespaceSystem, Name: probeName},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "probe", Image: "probe.invalid/probe:1"}}},
	}
	if err := cl.Create(ctx, pod); err != nil {
		return fmt.Errorf("create probe Pod: %w", err)
	}
	err := c.waitProbe(ctx, cl, pod, func(err error) bool {
		return err == nil && pod.Spec.NodeName != "" && pod.Status.Phase == corev1.PodRunning
	})
	if err != nil {
		return fmt.Errorf("probe Pod on node %q in phase %q: %w", pod.Spec.NodeName, pod.Status.Phase, err)
	}
	if err := cl.Delete(ctx, pod); err != nil {
		return fmt.Errorf("delete probe Pod: %w", err)
	}
	if err := c.waitProbe(ctx, cl, pod, apierrors.IsNotFound); err != nil {
		return fmt.Errorf("probe Pod not removed: %w", err)
	}
	return nil
}

// waitProbe polls the probe Pod until done holds for the error of its Get.
func (c *ControlPlane) waitProbe(ctx context.Context, cl client.Client, pod *corev1.Pod, done func(error) bool) error {
	key := client.ObjectKeyFromObject(pod)
	err := wait.PollUntilContextTimeout(ctx, pollInterval, startTimeout, true, func(ctx context.Context) (bool, error) {
		if err := c.nodeComponentsExited(); err != nil {
			return false, err
		}
		return done(cl.Get(ctx, key, pod)), nil
	})
	if err != nil {
		return fmt.Errorf("%w\nkube-scheduler log:\n%s\nkwok log:\n%s", err, c.scheduler.LogTail(logTailLines), c.kwok.LogTail(logTailLines))
	}
	return nil
}
