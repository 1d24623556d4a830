package webhook_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/internal/testenv/fixtures"
	"github.com/imagepin/imagepin/internal/testenv/promtest"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// TestAPIServerCallsWebhook runs Pods through a real kube-apiserver that
// calls the handler over TLS as configured by fixtures.MutatingWebhook. The
// subtests share one control plane and run in order; the last one stops the
// webhook server to see each namespace mode's failurePolicy at work.
func TestAPIServerCallsWebhook(t *testing.T) {
	c := startCluster(t)
	app1, app2 := c.push(t, "team/app", "v1"), c.push(t, "team/app", "v2")
	webPinned := c.reg.Repo("team/web") + ":1.0@" + c.push(t, "team/web", "1.0").String()
	appV1, appV2 := c.reg.Repo("team/app:v1"), c.reg.Repo("team/app:v2")
	enabled := c.namespace(t, v1alpha1.PinningEnabled)

	t.Run("enabled namespace pins governed and unmanaged images", func(t *testing.T) {
		c.policy(t, enabled, "web", c.reg.Repo("team/web"), webPinned)
		p := pod(enabled, "mixed", "web="+c.reg.Repo("team/web:0.1"), "app="+appV1) // team/web:0.1 does not exist: only the policy can pin it
		p.Spec.InitContainers = []corev1.Container{{Name: "init", Image: appV2}}
		c.create(t, p)
		wantImages(t, p, map[string]string{"web": webPinned, "app": appV1 + "@" + app1.String(), "init": appV2 + "@" + app2.String()})
		wantOriginals(t, p, map[string]string{"web": c.reg.Repo("team/web:0.1"), "app": appV1, "init": appV2})
		if !c.warnings.contains(`container "web": image "` + c.reg.Repo("team/web:0.1") + `" pinned to "` + webPinned + `" (ImagePolicy web)`) {
			t.Errorf("no warning reported the change of container web; warnings: %q", c.warnings.seen)
		}
	})

	t.Run("an image update is pinned, other containers are left alone", func(t *testing.T) {
		p := c.get(t, enabled, "mixed")
		p.Spec.Containers[1].Image = appV2
		if err := c.cl.Update(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		wantImages(t, p, map[string]string{"web": webPinned, "app": appV2 + "@" + app2.String()})
		wantOriginals(t, p, map[string]string{"web": c.reg.Repo("team/web:0.1"), "app": appV2, "init": appV2})
	})

	t.Run("ephemeral container is pinned", func(t *testing.T) {
		p := c.get(t, enabled, "mixed")
		p.Spec.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debug", Image: appV1}}}
		if err := c.cl.SubResource("ephemeralcontainers").Update(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		p = c.get(t, enabled, "mixed")
		if got := p.Spec.EphemeralContainers[0].Image; got != appV1+"@"+app1.String() {
			t.Errorf("ephemeral container image = %q, want it pinned", got)
		}
	})

	// The webhooks' matchConditions send only CREATEs and UPDATEs that
	// change an image: a label or finalizer edit never waits for imagepin.
	t.Run("only image changes reach the webhook", func(t *testing.T) {
		p := c.get(t, enabled, "mixed")
		before := promtest.Sum(t, c.metrics, "imagepin_admission_requests_total")
		metav1.SetMetaDataLabel(&p.ObjectMeta, "touched", "yes")
		p.Finalizers = append(p.Finalizers, "example.com/keep")
		if err := c.cl.Update(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		p.Finalizers = nil
		if err := c.cl.Update(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		if n := promtest.Sum(t, c.metrics, "imagepin_admission_requests_total") - before; n != 0 {
			t.Errorf("a label and two finalizer edits made %v admission requests, want none", n)
		}
		p.Spec.Containers[1].Image = appV1
		if err := c.cl.Update(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		if n := promtest.Sum(t, c.metrics, "imagepin_admission_requests_total") - before; n != 1 {
			t.Errorf("an image change made %v admission requests, want 1", n)
		}
		wantImages(t, p, map[string]string{"app": appV1 + "@" + app1.String()})
	})

	t.Run("strict namespace denies an image that cannot be pinned", func(t *testing.T) {
		strict := c.namespace(t, v1alpha1.PinningStrict)
		c.create(t, pod(strict, "ok", "app="+appV1))
		tests := map[string]struct {
			pod  *corev1.Pod
			want []string
		}{
			"unknown tag":    {pod: pod(strict, "missing", "ok="+appV1, "app="+c.reg.Repo("team/app:nope")), want: []string{`container "app"`, c.reg.Repo("team/app:nope"), "not found"}},
			"no pull secret": {pod: withoutPullSecrets(pod(strict, "anonymous", "app="+appV1)), want: []string{`container "app"`, appV1, "unauthorized"}},
		}
		for name, tc := range tests {
			t.Run(name, func(t *testing.T) {
				err := c.cl.Create(t.Context(), tc.pod)
				if err == nil {
					t.Fatalf("Pod admitted with images %v, want a denial", images(tc.pod))
				}
				t.Logf("denied: %v", err)
				for _, want := range append(tc.want, fixtures.StrictPodsWebhook) {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("denial %q does not contain %q", err, want)
					}
				}
			})
		}
	})

	t.Run("untouched", func(t *testing.T) {
		tests := map[string]*corev1.Pod{
			"unlabelled namespace":                       pod(c.namespace(t, ""), "plain", "app="+appV1),
			"kube-system labelled strict":                pod(c.labelled(t, "kube-system", v1alpha1.PinningStrict), "sys", "app="+c.reg.Repo("team/app:nope")),
			"Pod labelled imagepin.dev/pinning=disabled": withLabel(pod(enabled, "optout", "app="+appV1), v1alpha1.PinningLabel, v1alpha1.PinningDisabled),
			"image already pinned":                       pod(enabled, "pinned", "app="+appV1+"@"+app1.String()),
		}
		for name, p := range tests {
			t.Run(name, func(t *testing.T) {
				want := images(p)
				c.create(t, p)
				if got := images(p); !equal(got, want) || p.Annotations[v1alpha1.OriginalImagesAnnotation] != "" {
					t.Errorf("images %v (annotations %v), want %v unchanged", got, p.Annotations, want)
				}
			})
		}
	})

	t.Run("Deployment's Pods are pinned, the Deployment is not", func(t *testing.T) {
		dep := deployment(enabled, "app", appV1)
		c.create(t, dep)
		pods := c.waitPods(t, enabled, dep.Spec.Selector.MatchLabels, 2)
		for i := range pods {
			wantImages(t, &pods[i], map[string]string{"app": appV1 + "@" + app1.String()})
		}
		var got appsv1.Deployment
		if err := c.cl.Get(t.Context(), client.ObjectKeyFromObject(dep), &got); err != nil {
			t.Fatal(err)
		}
		if img := got.Spec.Template.Spec.Containers[0].Image; img != appV1 || got.Generation != 1 {
			t.Errorf("Deployment template image %q (generation %d), want %q untouched", img, got.Generation, appV1)
		}
	})

	t.Run("metrics counted the admissions", func(t *testing.T) {
		for _, result := range []string{"pinned", "resolved", "denied", "unchanged"} {
			if n := promtest.Value(t, c.metrics, "imagepin_admission_requests_total", map[string]string{"result": result}); n < 1 {
				t.Errorf("imagepin_admission_requests_total{result=%q} = %v, want >= 1", result, n)
			}
		}
	})

	// With the webhook down the API server applies the failurePolicy of
	// each webhook of fixtures.MutatingWebhook: Ignore for enabled
	// namespaces (admitted, unpinned), Fail for strict ones (denied).
	t.Run("webhook down: enabled admits, strict denies", func(t *testing.T) {
		strict := c.namespace(t, v1alpha1.PinningStrict)
		finalized := pod(strict, "finalized", "app="+appV1)
		finalized.Finalizers = []string{"example.com/job-tracking"}
		c.create(t, finalized)
		c.stop()
		p := pod(enabled, "down", "app="+appV1)
		c.create(t, p)
		if got := p.Spec.Containers[0].Image; got != appV1 {
			t.Errorf("image %q, want %q admitted unpinned", got, appV1)
		}
		err := c.cl.Create(t.Context(), pod(strict, "down", "app="+appV1))
		if err == nil || !strings.Contains(err.Error(), "failed calling webhook") || !strings.Contains(err.Error(), fixtures.StrictPodsWebhook) {
			t.Errorf("strict Pod with the webhook down: %v, want a failed webhook call", err)
		}
		p = c.get(t, strict, "finalized")
		p.Spec.Containers[0].Image = appV2
		if err := c.cl.Update(t.Context(), p); err == nil || !strings.Contains(err.Error(), "failed calling webhook") {
			t.Errorf("image change of a strict Pod with the webhook down: %v, want a failed webhook call", err)
		}
		// A Job controller removes its finalizer from the Pods it tracks,
		// deleted or not: a strict namespace must not keep them forever.
		if err := c.cl.Delete(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		p = c.get(t, strict, "finalized")
		p.Finalizers = nil
		if err := c.cl.Update(t.Context(), p); err != nil {
			t.Errorf("finalizer removal of a strict Pod with the webhook down: %v, want it to pass", err)
		}
	})
}

// create creates obj and fails the test if the API server refuses it.
func (c *cluster) create(t *testing.T, obj client.Object) {
	t.Helper()
	if err := c.cl.Create(t.Context(), obj); err != nil {
		t.Fatalf("create %s: %v", obj.GetName(), err)
	}
}

// get reads a Pod.
func (c *cluster) get(t *testing.T, ns, name string) *corev1.Pod {
	t.Helper()
	var p corev1.Pod
	if err := c.cl.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: name}, &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

// labelled sets the pinning label of an existing namespace, shared with
// the other tests, until t ends, and returns its name.
func (c *cluster) labelled(t *testing.T, name, mode string) string {
	t.Helper()
	var ns corev1.Namespace
	if err := c.cl.Get(t.Context(), client.ObjectKey{Name: name}, &ns); err != nil {
		t.Fatal(err)
	}
	var old any // the label's value before, null for none
	if v, ok := ns.Labels[v1alpha1.PinningLabel]; ok {
		old = v
	}
	patch := client.MergeFrom(ns.DeepCopy())
	metav1.SetMetaDataLabel(&ns.ObjectMeta, v1alpha1.PinningLabel, mode)
	if err := c.cl.Patch(t.Context(), &ns, patch); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		restore, err := json.Marshal(map[string]any{"metadata": map[string]any{"labels": map[string]any{v1alpha1.PinningLabel: old}}})
		if err == nil {
			err = c.cl.Patch(context.Background(), &ns, client.RawPatch(types.MergePatchType, restore))
		}
		if err != nil {
			t.Errorf("restore the label of %s: %v", name, err)
		}
	})
	return name
}

// waitPods waits for n Pods with labels in ns and returns them.
func (c *cluster) waitPods(t *testing.T, ns string, labels map[string]string, n int) []corev1.Pod {
	t.Helper()
	var pods corev1.PodList
	err := wait.PollUntilContextTimeout(t.Context(), 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		err := c.cl.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels(labels))
		return err == nil && len(pods.Items) == n, nil
	})
	if err != nil {
		t.Fatalf("%d Pods of %v in %s: %v", len(pods.Items), labels, ns, err)
	}
	return pods.Items
}

// deployment is a two-replica Deployment of image with the pull secret.
func deployment(ns, name, image string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       pod(ns, "", name+"="+image).Spec,
			},
		},
	}
}

func withoutPullSecrets(p *corev1.Pod) *corev1.Pod {
	p.Spec.ImagePullSecrets = nil
	return p
}

func withLabel(p *corev1.Pod, key, value string) *corev1.Pod {
	metav1.SetMetaDataLabel(&p.ObjectMeta, key, value)
	return p
}

// images maps the container names of p to their images.
func images(p *corev1.Pod) map[string]string {
	m := map[string]string{}
	for _, list := range [][]corev1.Container{p.Spec.InitContainers, p.Spec.Containers} {
		for _, c := range list {
			m[c.Name] = c.Image
		}
	}
	return m
}

func equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func wantImages(t *testing.T, p *corev1.Pod, want map[string]string) {
	t.Helper()
	got := images(p)
	for name, image := range want {
		if got[name] != image {
			t.Errorf("Pod %s container %s image = %q, want %q", p.Name, name, got[name], image)
		}
	}
}

func wantOriginals(t *testing.T, p *corev1.Pod, want map[string]string) {
	t.Helper()
	var got map[string]string
	if err := json.Unmarshal([]byte(p.Annotations[v1alpha1.OriginalImagesAnnotation]), &got); err != nil || !equal(got, want) {
		t.Errorf("annotation %s = %q (%v), want %v", v1alpha1.OriginalImagesAnnotation, p.Annotations[v1alpha1.OriginalImagesAnnotation], err, want)
	}
}
