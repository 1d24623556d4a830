package controlplane

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestControllerManagerRunsDeployments proves the harness gives a control
// plane where a Deployment becomes a ReplicaSet and a Pod, as in a cluster.
func TestControllerManagerRunsDeployments(t *testing.T) {
	cp := startFor(t, Options{ControllerManager: true})
	cl, err := client.New(cp.Config, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	labels := map[string]string{"app": "web"}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}}},
			},
		},
	}
	if err := cl.Create(ctx, dep); err != nil {
		t.Fatalf("create deployment: %v", err)
	}
	var pods corev1.PodList
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		if err := cl.List(ctx, &pods, client.InNamespace("default"), client.MatchingLabels(labels)); err != nil {
			return false, err
		}
		return len(pods.Items) == 2, nil
	})
	if err != nil {
		t.Fatalf("pods of the deployment: got %d, want 2: %v", len(pods.Items), err)
	}
	if owner := metav1.GetControllerOf(&pods.Items[0]); owner == nil || owner.Kind != "ReplicaSet" {
		t.Errorf("pod owner = %v, want a ReplicaSet", owner)
	}
}

// TestKubeconfigWorksWithKubectl checks the kubeconfig file that the demo
// and the chart tests hand to kubectl and helm.
func TestKubeconfigWorksWithKubectl(t *testing.T) {
	cp := startFor(t, Options{})
	assets, err := Assets()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), filepath.Join(assets, "kubectl"), "--kubeconfig", cp.Kubeconfig,
		"get", "namespace", "kube-system", "-o", "name").CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "namespace/kube-system" {
		t.Errorf("kubectl printed %q, want namespace/kube-system", got)
	}
}
