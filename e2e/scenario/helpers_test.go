package scenario

import (
	"encoding/json"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/e2e/stack"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// pollInterval is how often the scenario's own waits look again.
const pollInterval = 250 * time.Millisecond

// submitted is the tag the sample Deployment's template names: the
// webhook replaces it in every Pod.
const submitted = "1.0.0"

var (
	policyKey = client.ObjectKey{Namespace: stack.SampleNamespace, Name: stack.SamplePolicy}
	appLabels = map[string]string{"app": stack.SampleDeployment}
)

// scenario is the state the steps share: the stack and the Pods seen so far.
type scenario struct {
	*stack.Stack
	known map[string]bool // names of the Deployment's Pods before the last waitNewPods
	fresh map[string]bool // names of the Pods that appeared in the last waitNewPods
}

// waitCurrent waits until the sample policy's status.current is tag (with
// its digest) from source, and returns the policy.
func (sc *scenario) waitCurrent(t *testing.T, tag string, source v1alpha1.Source) *v1alpha1.ImagePolicy {
	t.Helper()
	p, err := sc.WaitPolicy(t.Context(), policyKey, "status.current "+tag+" from "+string(source), sc.CurrentIs(tag, source))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// waitWebhookPins waits until the webhook pins the sample image to tag:
// Pods created before its informer saw the status would get the old digest.
func (sc *scenario) waitWebhookPins(t *testing.T, tag string) {
	t.Helper()
	if err := sc.WaitWebhookPins(t.Context(), stack.SampleNamespace, sc.Image+":"+submitted, sc.Pinned(tag)); err != nil {
		t.Fatal(err)
	}
}

// waitNewPods waits until the sample Deployment has n Pods, and records
// which of them are new since the last call.
func (sc *scenario) waitNewPods(t *testing.T, n int) []corev1.Pod {
	t.Helper()
	pods, err := sc.WaitPods(t.Context(), stack.SampleNamespace, appLabels, n)
	if err != nil {
		t.Fatal(err)
	}
	sc.fresh = map[string]bool{}
	for _, p := range pods {
		if !sc.known[p.Name] {
			sc.fresh[p.Name] = true
		}
	}
	sc.known = map[string]bool{}
	for _, p := range pods {
		sc.known[p.Name] = true
	}
	return pods
}

func (sc *scenario) isNew(pod corev1.Pod) bool { return sc.fresh[pod.Name] }

// replaceOnePod deletes one Pod of the Deployment and checks that its
// replacement runs tag while the others keep their digests.
func (sc *scenario) replaceOnePod(t *testing.T, tag string) {
	t.Helper()
	victims := make([]string, 0, len(sc.known))
	for name := range sc.known {
		victims = append(victims, name)
	}
	sort.Strings(victims)
	pod := &corev1.Pod{}
	pod.Namespace, pod.Name = stack.SampleNamespace, victims[0]
	if err := sc.Client.Delete(t.Context(), pod); err != nil {
		t.Fatalf("delete Pod %s: %v", pod.Name, err)
	}
	for _, p := range sc.waitNewPods(t, len(victims)) {
		if sc.isNew(p) {
			sc.assertPod(t, p, tag)
		}
	}
	if len(sc.fresh) != 1 {
		t.Errorf("%d new Pods after deleting one, want 1", len(sc.fresh))
	}
}

// assertPod checks that pod runs the sample image pinned to tag and that
// its annotation records the image the Deployment submitted.
func (sc *scenario) assertPod(t *testing.T, pod corev1.Pod, tag string) {
	t.Helper()
	if got, want := pod.Spec.Containers[0].Image, sc.Pinned(tag); got != want {
		t.Errorf("Pod %s runs %s, want %s (tag %s)", pod.Name, got, want, tag)
	}
	var original map[string]string
	if err := json.Unmarshal([]byte(pod.Annotations[v1alpha1.OriginalImagesAnnotation]), &original); err != nil {
		t.Errorf("Pod %s: annotation %s: %v", pod.Name, v1alpha1.OriginalImagesAnnotation, err)
	}
	want := map[string]string{stack.SampleContainer: sc.Image + ":" + submitted}
	if diff := cmp.Diff(want, original); diff != "" {
		t.Errorf("Pod %s: annotation %s (-want +got):\n%s", pod.Name, v1alpha1.OriginalImagesAnnotation, diff)
	}
}
