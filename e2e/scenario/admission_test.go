package scenario

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/e2e/stack"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// Namespaces of the admission steps, besides the sample's enabled one.
const (
	unlabeled = "plain"
	strict    = "locked"
)

func (sc *scenario) unlabeledUntouched(t *testing.T) {
	if err := sc.Create(t.Context(), stack.NewNamespace(unlabeled, "")); err != nil {
		t.Fatal(err)
	}
	image := sc.Image + ":" + submitted
	pod := sc.createPod(t, unlabeled, "web", image)
	assertUnpinned(t, pod, image)
}

func (sc *scenario) strictDenies(t *testing.T) {
	secrets, err := sc.Secrets(strict)
	if err != nil {
		t.Fatal(err)
	}
	objs := append([]client.Object{stack.NewNamespace(strict, v1alpha1.PinningStrict)}, secrets...)
	if err := sc.Create(t.Context(), objs...); err != nil {
		t.Fatal(err)
	}
	// No policy governs the image here: the webhook resolves the tag in the
	// registry with the Pod's pull secret and the registry's CA.
	image := sc.Image + ":" + submitted
	pod := sc.createPod(t, strict, "resolvable", image)
	if got, want := pod.Spec.Containers[0].Image, sc.Pinned(submitted); got != want {
		t.Errorf("Pod in a strict namespace runs %s, want %s resolved in the registry", got, want)
	}
	digest := strings.TrimPrefix(sc.Pinned(submitted), image+"@")
	sc.assertWarning(t, fmt.Sprintf("imagepin: container %q: image %q pinned to digest %s (tag resolved in the registry)", "app", image, digest))
	missing := sc.Registry.Repo("demo/missing") + ":1.0.0"
	err = sc.Client.Create(t.Context(), newPod(strict, "unresolvable", missing))
	if err == nil || !strings.Contains(err.Error(), "denied the request") || !strings.Contains(err.Error(), missing) {
		t.Errorf("create a Pod with %s in a strict namespace: %v, want a denial that names the image", missing, err)
	}
}

func (sc *scenario) enabledAdmits(t *testing.T) {
	missing := sc.Registry.Repo("demo/missing") + ":1.0.0"
	pod := sc.createPod(t, stack.SampleNamespace, "unresolvable", missing)
	assertUnpinned(t, pod, missing)
	sc.assertWarning(t, fmt.Sprintf("imagepin: left unpinned: container %q: image %q: ", "app", missing))
}

// managerStopped stops the manager: the API server cannot reach the
// webhook, and each namespace gets its failurePolicy (Ignore for enabled,
// Fail for strict).
func (sc *scenario) managerStopped(t *testing.T) {
	if err := sc.Manager.Stop(); err != nil {
		t.Fatalf("stop the manager: %v", err)
	}
	image := sc.Image + ":" + submitted
	pod := sc.createPod(t, stack.SampleNamespace, "while-down", image)
	assertUnpinned(t, pod, image)
	err := sc.Client.Create(t.Context(), newPod(strict, "while-down", image))
	if err == nil || !strings.Contains(err.Error(), `failed calling webhook "strict.pods.imagepin.dev"`) {
		t.Errorf("create a Pod in a strict namespace without the manager: %v, want the API server to fail closed", err)
	}
	sc.assertChartRBACSufficed(t)
}

// assertChartRBACSufficed checks the manager's log, now complete, for
// requests the API server refused: the manager ran with the chart's RBAC.
func (sc *scenario) assertChartRBACSufficed(t *testing.T) {
	t.Helper()
	lines, err := sc.Manager.LogLines("forbidden")
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) > 0 {
		t.Errorf("the API server refused %d requests of the manager, which runs as %s with the chart's RBAC:\n%s",
			len(lines), stack.ServiceAccount, strings.Join(lines, "\n"))
	}
}

// assertWarning checks that the API server answered the last createPod
// with a warning that starts with prefix.
func (sc *scenario) assertWarning(t *testing.T, prefix string) {
	t.Helper()
	warnings := sc.Warnings.Take()
	for _, w := range warnings {
		if strings.HasPrefix(w, prefix) {
			return
		}
	}
	t.Errorf("warnings %q, want one that starts with %q", warnings, prefix)
}

// createPod creates a Pod with one container and fails t when it is
// denied; the warnings recorded since are the answer's.
func (sc *scenario) createPod(t *testing.T, ns, name, image string) *corev1.Pod {
	t.Helper()
	sc.Warnings.Take()
	pod := newPod(ns, name, image)
	if err := sc.Client.Create(t.Context(), pod); err != nil {
		t.Fatalf("create Pod %s/%s with %s: %v", ns, name, image, err)
	}
	return pod
}

func newPod(ns, name, image string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.PodSpec{
			Containers:       []corev1.Container{{Name: "app", Image: image}},
			ImagePullSecrets: []corev1.LocalObjectReference{{Name: stack.PullSecret}},
		},
	}
}

// assertUnpinned checks that the API server stored pod as submitted.
func assertUnpinned(t *testing.T, pod *corev1.Pod, image string) {
	t.Helper()
	if got := pod.Spec.Containers[0].Image; got != image {
		t.Errorf("Pod %s/%s runs %s, want it unchanged: %s", pod.Namespace, pod.Name, got, image)
	}
	if a, ok := pod.Annotations[v1alpha1.OriginalImagesAnnotation]; ok {
		t.Errorf("Pod %s/%s has the annotation %s=%s, want none", pod.Namespace, pod.Name, v1alpha1.OriginalImagesAnnotation, a)
	}
}
