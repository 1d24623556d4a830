package scenario

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/e2e/stack"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// failures is the namespace of the policies whose credentials are wrong.
const failures = "wrong-credentials"

// wrongRegistryPassword checks what the README's troubleshooting says: a
// policy whose registry credentials are refused is Ready=False with reason
// AuthenticationFailed, and a Warning event says so.
func (sc *scenario) wrongRegistryPassword(t *testing.T) {
	ctx := t.Context()
	secrets, err := sc.Secrets(failures)
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := sc.PullSecret(failures, "wrong-regcred", "not-the-password")
	if err != nil {
		t.Fatal(err)
	}
	p := sc.Policy(failures, "wrong-registry-password")
	p.Spec.SecretRef.Name = wrong.Name
	objs := append([]client.Object{stack.NewNamespace(failures, "")}, secrets...)
	if err := sc.Create(ctx, append(objs, wrong, p)...); err != nil {
		t.Fatal(err)
	}
	_, err = sc.WaitPolicy(ctx, client.ObjectKeyFromObject(p), "Ready=False AuthenticationFailed", func(p *v1alpha1.ImagePolicy) bool {
		c := meta.FindStatusCondition(p.Status.Conditions, v1alpha1.ConditionReady)
		return c != nil && c.Status == metav1.ConditionFalse && c.Reason == v1alpha1.ReasonAuthenticationFailed
	})
	if err != nil {
		t.Fatal(err)
	}
	sc.waitWarning(t, p.Name, v1alpha1.ReasonAuthenticationFailed)
}

// wrongGitPassword checks the README's troubleshooting of write-back: a
// policy whose Git credentials are refused has WrittenBack=False with
// reason AuthenticationFailed and a Warning event, while it pins as usual.
func (sc *scenario) wrongGitPassword(t *testing.T) {
	ctx := t.Context()
	wrong := stack.GitCredentials(failures, "wrong-git-creds", "not-the-password")
	p := sc.Policy(failures, "wrong-git-password")
	p.Spec.WriteBack.Git.SecretRef.Name = wrong.Name
	if err := sc.Create(ctx, wrong, p); err != nil {
		t.Fatal(err)
	}
	_, err := sc.WaitPolicy(ctx, client.ObjectKeyFromObject(p), "Ready=True, WrittenBack=False AuthenticationFailed", func(p *v1alpha1.ImagePolicy) bool {
		c := meta.FindStatusCondition(p.Status.Conditions, v1alpha1.ConditionWrittenBack)
		return meta.IsStatusConditionTrue(p.Status.Conditions, v1alpha1.ConditionReady) &&
			c != nil && c.Status == metav1.ConditionFalse && c.Reason == v1alpha1.ReasonAuthenticationFailed
	})
	if err != nil {
		t.Fatal(err)
	}
	sc.waitWarning(t, p.Name, v1alpha1.ReasonAuthenticationFailed)
}

// waitWarning waits for a Warning event with reason about the policy name
// of namespace failures.
func (sc *scenario) waitWarning(t *testing.T, name, reason string) {
	t.Helper()
	var events corev1.EventList
	err := wait.PollUntilContextTimeout(t.Context(), pollInterval, stack.StepTimeout, true, func(ctx context.Context) (bool, error) {
		if err := sc.Client.List(ctx, &events, client.InNamespace(failures)); err != nil {
			return false, nil
		}
		for _, e := range events.Items {
			if e.InvolvedObject.Name == name && e.Type == corev1.EventTypeWarning && e.Reason == reason {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Errorf("no Warning event %s about ImagePolicy %s/%s among %d events: %v", reason, failures, name, len(events.Items), err)
	}
}
