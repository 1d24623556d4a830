package scenario

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/e2e/stack"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// TestWholeLoop runs the scenario's steps in order on one stack; a failed
// step ends the test, since every later step builds on it.
func TestWholeLoop(t *testing.T) {
	sc := &scenario{Stack: stack.ForTest(t, stack.Options{Nodes: 2})}
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"manager runs as the chart's ServiceAccount", sc.managerIdentity},
		{"policy chooses the newest allowed tag", sc.policyChoosesNewest},
		{"Deployment's Pods are pinned, the Deployment is not", sc.podsPinned},
		{"a pushed tag moves the policy and rolls the Deployment out", sc.pushedTagMoves},
		{"a scale-up keeps the ReplicaSet's digest", sc.scaleUpKeepsDigest},
		{"a registry notification asks for a scan (chart's receiver RBAC)", sc.notificationRequestsScan},
		{"spec.pin rolls back", sc.pinRollsBack},
		{"removing the pin rolls forward", sc.unpinRollsForward},
		{"unlabeled namespace is untouched", sc.unlabeledUntouched},
		{"strict namespace denies what cannot be pinned", sc.strictDenies},
		{"enabled namespace admits what cannot be pinned", sc.enabledAdmits},
		{"wrong registry password: Ready=False AuthenticationFailed and an event", sc.wrongRegistryPassword},
		{"wrong Git password: WrittenBack=False AuthenticationFailed and an event", sc.wrongGitPassword},
		{"helm upgrade keeps the caBundle and pinning", sc.helmUpgradeKeepsPinning},
		{"manager stopped: enabled admits unpinned, strict denies", sc.managerStopped},
		{"helm uninstall: webhooks go, Pods keep their digests", sc.uninstallKeepsDigests},
	}
	for _, step := range steps {
		if !t.Run(step.name, step.run) {
			t.FailNow()
		}
	}
}

// managerIdentity checks that the manager's kubeconfig makes the API
// server authorize it as the chart's ServiceAccount, so the scenario tests
// the chart's RBAC.
func (sc *scenario) managerIdentity(t *testing.T) {
	out, err := sc.KubectlAs(t.Context(), sc.Manager.Kubeconfig, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out); got != stack.ServiceAccount {
		t.Errorf("the manager's kubeconfig authenticates as %q, want %q", got, stack.ServiceAccount)
	}
}

func (sc *scenario) policyChoosesNewest(t *testing.T) {
	secrets, err := sc.Secrets(stack.SampleNamespace)
	if err != nil {
		t.Fatal(err)
	}
	objs := append([]client.Object{stack.NewNamespace(stack.SampleNamespace, v1alpha1.PinningEnabled)}, secrets...)
	if err := sc.Create(t.Context(), append(objs, sc.Policy(stack.SampleNamespace, stack.SamplePolicy))...); err != nil {
		t.Fatal(err)
	}
	p := sc.waitCurrent(t, "1.2.0", v1alpha1.SourceScan)
	if !meta.IsStatusConditionTrue(p.Status.Conditions, v1alpha1.ConditionReady) {
		t.Errorf("Ready is not True: %+v", p.Status.Conditions)
	}
	if l := p.Status.Latest; l == nil || l.Tag != "1.2.0" || l.Digest != sc.Digests["1.2.0"] {
		t.Errorf("status.latest = %+v, want 1.2.0 %s", l, sc.Digests["1.2.0"])
	}
	sc.assertGitRecords(t, "1.2.0", whyScan)
}

func (sc *scenario) podsPinned(t *testing.T) {
	ctx := t.Context()
	sc.waitWebhookPins(t, "1.2.0")
	dep := sc.Deployment(stack.SampleNamespace, stack.SampleDeployment, "1.0.0", 2)
	if err := sc.Create(ctx, dep); err != nil {
		t.Fatal(err)
	}
	for _, pod := range sc.waitNewPods(t, 2) {
		sc.assertPod(t, pod, "1.2.0")
	}
	if err := sc.Client.Get(ctx, client.ObjectKeyFromObject(dep), dep); err != nil {
		t.Fatal(err)
	}
	tmpl := dep.Spec.Template
	if got, want := tmpl.Spec.Containers[0].Image, sc.Image+":1.0.0"; got != want {
		t.Errorf("Deployment's template image = %s, want it unchanged: %s", got, want)
	}
	if a, ok := tmpl.Annotations[v1alpha1.OriginalImagesAnnotation]; ok {
		t.Errorf("Deployment's template has the annotation %s=%s: templates must not be mutated", v1alpha1.OriginalImagesAnnotation, a)
	}
}

func (sc *scenario) pushedTagMoves(t *testing.T) {
	if _, err := sc.PushTag(t.Context(), "1.3.0"); err != nil {
		t.Fatal(err)
	}
	p := sc.waitCurrent(t, "1.3.0", v1alpha1.SourceScan)
	if h := p.Status.History; len(h) < 2 || h[1].Tag != "1.2.0" {
		t.Errorf("status.history = %+v, want 1.3.0 then 1.2.0", h)
	}
	sc.waitRolledOutTo(t, "1.3.0", 2)
	sc.assertGitRecords(t, "1.3.0", whyScan)
}

// scaleUpKeepsDigest: the new Pods of a scale-up run the digest of their
// ReplicaSet, which is current's since the rollout.
func (sc *scenario) scaleUpKeepsDigest(t *testing.T) {
	sc.scale(t, 3)
	sc.waitRolledOutTo(t, "1.3.0", 3)
}

func (sc *scenario) pinRollsBack(t *testing.T) {
	sc.setPin(t, &v1alpha1.Pin{Tag: "1.1.0"})
	sc.waitCurrent(t, "1.1.0", v1alpha1.SourcePin)
	sc.waitRolledOutTo(t, "1.1.0", 3)
	sc.replaceOnePod(t, "1.1.0")
	sc.assertGitRecords(t, "1.1.0", whyRollback)
}

func (sc *scenario) unpinRollsForward(t *testing.T) {
	sc.setPin(t, nil)
	sc.waitCurrent(t, "1.3.0", v1alpha1.SourceScan)
	sc.waitRolledOutTo(t, "1.3.0", 3)
	sc.replaceOnePod(t, "1.3.0")
	sc.assertGitRecords(t, "1.3.0", whyPolicyEdit)
}

// waitRolledOutTo waits until imagepin has rolled the sample Deployment
// out to tag (status.rollout), the rollout is complete, and its n Pods
// all run tag.
func (sc *scenario) waitRolledOutTo(t *testing.T, tag string, n int) {
	t.Helper()
	_, err := sc.WaitPolicy(t.Context(), policyKey, "status.rollout "+tag, func(p *v1alpha1.ImagePolicy) bool {
		return p.Status.Rollout != nil && p.Status.Rollout.Image == sc.Pinned(tag)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.WaitRolledOut(t.Context(), stack.SampleNamespace, stack.SampleDeployment); err != nil {
		t.Fatal(err)
	}
	for _, pod := range sc.waitNewPods(t, n) {
		sc.assertPod(t, pod, tag)
	}
}

// setPin sets or (nil) removes spec.pin of the sample policy.
func (sc *scenario) setPin(t *testing.T, pin *v1alpha1.Pin) {
	t.Helper()
	p := &v1alpha1.ImagePolicy{}
	if err := sc.Client.Get(t.Context(), policyKey, p); err != nil {
		t.Fatal(err)
	}
	orig := p.DeepCopy()
	p.Spec.Pin = pin
	if err := sc.Client.Patch(t.Context(), p, client.MergeFrom(orig)); err != nil {
		t.Fatalf("set spec.pin to %+v: %v", pin, err)
	}
}

// scale sets the sample Deployment's replicas.
func (sc *scenario) scale(t *testing.T, replicas int32) {
	t.Helper()
	dep := sc.Deployment(stack.SampleNamespace, stack.SampleDeployment, "", 0)
	if err := sc.Client.Get(t.Context(), client.ObjectKeyFromObject(dep), dep); err != nil {
		t.Fatal(err)
	}
	orig := dep.DeepCopy()
	dep.Spec.Replicas = ptr.To(replicas)
	if err := sc.Client.Patch(t.Context(), dep, client.MergeFrom(orig)); err != nil {
		t.Fatalf("scale to %d: %v", replicas, err)
	}
}
