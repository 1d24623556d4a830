package scenario

import (
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/e2e/stack"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// helmUpgradeKeepsPinning upgrades as the README says, the CRD with
// kubectl (Helm does not upgrade CRDs) and then the release: the chart
// renders no caBundle in self-signed mode, so the upgrade must keep the one
// the manager wrote, and Pods stay pinned.
func (sc *scenario) helmUpgradeKeepsPinning(t *testing.T) {
	before := sc.caBundles(t)
	if _, err := sc.Kubectl(t.Context(), "apply", "-f", "charts/imagepin/crds"); err != nil {
		t.Fatal(err)
	}
	if err := sc.HelmUpgrade(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := sc.caBundles(t); got != before {
		t.Errorf("caBundles after helm upgrade differ from before: %q, want %q", got, before)
	}
	sc.waitWebhookPins(t, "1.3.0")
}

// caBundles returns the caBundles of the release's webhooks, and fails t
// when one is empty.
func (sc *scenario) caBundles(t *testing.T) string {
	t.Helper()
	key := client.ObjectKey{Name: stack.Release}
	var m admissionv1.MutatingWebhookConfiguration
	var v admissionv1.ValidatingWebhookConfiguration
	if err := sc.Client.Get(t.Context(), key, &m); err != nil {
		t.Fatal(err)
	}
	if err := sc.Client.Get(t.Context(), key, &v); err != nil {
		t.Fatal(err)
	}
	var bundles []string
	for _, w := range m.Webhooks {
		bundles = append(bundles, w.Name+"="+string(w.ClientConfig.CABundle))
	}
	for _, w := range v.Webhooks {
		bundles = append(bundles, w.Name+"="+string(w.ClientConfig.CABundle))
	}
	for _, b := range bundles {
		if strings.HasSuffix(b, "=") {
			t.Errorf("webhook %s has no caBundle", strings.TrimSuffix(b, "="))
		}
	}
	return strings.Join(bundles, "\n")
}

// uninstallKeepsDigests uninstalls the release: its webhook configurations
// go, Pods admitted before keep their digests, policies stay (Helm leaves
// CRDs), and a strict namespace no longer denies anything.
func (sc *scenario) uninstallKeepsDigests(t *testing.T) {
	ctx := t.Context()
	if err := sc.HelmUninstall(ctx); err != nil {
		t.Fatal(err)
	}
	key := client.ObjectKey{Name: stack.Release}
	if err := sc.Client.Get(ctx, key, &admissionv1.MutatingWebhookConfiguration{}); !apierrors.IsNotFound(err) {
		t.Errorf("MutatingWebhookConfiguration %s after helm uninstall: %v, want NotFound", key.Name, err)
	}
	if err := sc.Client.Get(ctx, key, &admissionv1.ValidatingWebhookConfiguration{}); !apierrors.IsNotFound(err) {
		t.Errorf("ValidatingWebhookConfiguration %s after helm uninstall: %v, want NotFound", key.Name, err)
	}
	pods, err := sc.WaitPods(ctx, stack.SampleNamespace, appLabels, len(sc.known))
	if err != nil {
		t.Fatal(err)
	}
	for _, pod := range pods {
		if image := pod.Spec.Containers[0].Image; !strings.Contains(image, "@sha256:") {
			t.Errorf("Pod %s runs %s after helm uninstall, want its digest kept", pod.Name, image)
		}
	}
	if err := sc.Client.Get(ctx, policyKey, &v1alpha1.ImagePolicy{}); err != nil {
		t.Errorf("ImagePolicy %s after helm uninstall: %v, want it kept with its CRD", policyKey, err)
	}
	image := sc.Image + ":" + submitted
	assertUnpinned(t, sc.createPod(t, strict, "after-uninstall", image), image)
}
