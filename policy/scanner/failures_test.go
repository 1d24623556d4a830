package scanner_test

import (
	"encoding/base64"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/imagepin/imagepin/internal/testenv/registry"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// TestRegistryDownKeepsState takes the registry down after a good scan and
// brings it back: Ready goes False with a reason and back to True, and the
// status chosen before the outage stays all along.
func TestRegistryDownKeepsState(t *testing.T) {
	ns, reg := namespace(t), registry.NewInProcess(t)
	d := reg.Push(t, "team/app", "1.0.0")
	startScanner(t, ns, newResolver(t), scannerOpts{})
	p := semverPolicy(ns, "app", reg.Repo("team/app"), "^1")
	if err := cl.Create(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, "current 1.0.0", currentIs("1.0.0", d["1.0.0"], v1alpha1.SourceScan))

	reg.Down.Store(true)
	waitFor(t, p, "Ready=False RegistryUnavailable", readyIs(metav1.ConditionFalse, v1alpha1.ReasonRegistryUnavailable))
	if !currentIs("1.0.0", d["1.0.0"], v1alpha1.SourceScan)(p) || p.Status.Latest == nil || p.Status.Latest.Tag != "1.0.0" {
		t.Errorf("outage lost state: current %+v latest %+v", p.Status.Current, p.Status.Latest)
	}
	if c := condition(p, v1alpha1.ConditionScanned); c.Status != metav1.ConditionFalse || c.Reason != v1alpha1.ReasonRegistryUnavailable {
		t.Errorf("Scanned = %+v, want False RegistryUnavailable", c)
	}

	reg.Down.Store(false)
	waitFor(t, p, "Ready=True again", readyIs(metav1.ConditionTrue, v1alpha1.ReasonSucceeded))
}

// TestFailureReasons checks the Ready reason of policies that cannot scan.
func TestFailureReasons(t *testing.T) {
	ns := namespace(t)
	dist := registry.StartT(t, registry.Options{Username: "ci", Password: "s3cret", TLS: true})
	if _, err := dist.Push(t.Context(), "team/app", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	createSecret(t, ns, "ca", map[string][]byte{"ca.crt": dist.CAPEM}, corev1.SecretTypeOpaque)
	createSecret(t, ns, "good", dockerConfig(dist.Host, "ci", "s3cret"), corev1.SecretTypeDockerConfigJson)
	createSecret(t, ns, "wrong", dockerConfig(dist.Host, "ci", "guess"), corev1.SecretTypeDockerConfigJson)
	startScanner(t, ns, newResolver(t), scannerOpts{})

	tests := map[string]struct {
		mod    func(*v1alpha1.ImagePolicy)
		status metav1.ConditionStatus
		reason string
	}{
		"good credentials":         {mod: withSecrets("good", "ca"), status: metav1.ConditionTrue, reason: v1alpha1.ReasonSucceeded},
		"wrong password":           {mod: withSecrets("wrong", "ca"), status: metav1.ConditionFalse, reason: v1alpha1.ReasonAuthenticationFailed},
		"no credentials":           {mod: withSecrets("", "ca"), status: metav1.ConditionFalse, reason: v1alpha1.ReasonAuthenticationFailed},
		"missing secret":           {mod: withSecrets("absent", "ca"), status: metav1.ConditionFalse, reason: v1alpha1.ReasonSecretNotFound},
		"CA secret without ca.crt": {mod: withSecrets("good", "good"), status: metav1.ConditionFalse, reason: v1alpha1.ReasonInvalidSecret},
		"no matching tag": {mod: func(p *v1alpha1.ImagePolicy) {
			withSecrets("good", "ca")(p)
			p.Spec.Select.SemVer.Range = ">=2"
		}, status: metav1.ConditionFalse, reason: v1alpha1.ReasonNoMatchingTag},
		"invalid spec": {mod: func(p *v1alpha1.ImagePolicy) { p.Spec.Select.SemVer.Range = "latest please" },
			status: metav1.ConditionFalse, reason: v1alpha1.ReasonInvalidSpec},
	}
	i := 0
	for name, tc := range tests {
		i++
		t.Run(name, func(t *testing.T) {
			p := semverPolicy(ns, fmt.Sprintf("p%d", i), dist.Repo("team/app"), "^1")
			tc.mod(p)
			if err := cl.Create(t.Context(), p); err != nil {
				t.Fatal(err)
			}
			waitFor(t, p, "Ready="+string(tc.status)+" "+tc.reason, readyIs(tc.status, tc.reason))
			if tc.reason == v1alpha1.ReasonInvalidSpec && condition(p, v1alpha1.ConditionStalled).Status != metav1.ConditionTrue {
				t.Errorf("invalid spec is not Stalled: %+v", p.Status.Conditions)
			}
		})
	}
}

// TestSuspend checks that a suspended policy is not scanned and says so.
func TestSuspend(t *testing.T) {
	ns, reg := namespace(t), registry.NewInProcess(t)
	reg.Push(t, "team/app", "1.0.0")
	startScanner(t, ns, newResolver(t), scannerOpts{})
	p := semverPolicy(ns, "app", reg.Repo("team/app"), "^1")
	p.Spec.Suspend = true
	if err := cl.Create(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, "Scanned=False Suspended", func(p *v1alpha1.ImagePolicy) bool {
		return condition(p, v1alpha1.ConditionScanned).Reason == v1alpha1.ReasonSuspended
	})
	if n := reg.Listings.Load(); n != 0 || p.Status.Current != nil || p.Status.NextScanAt != nil {
		t.Errorf("suspended policy scanned: %d listings, current %+v, nextScanAt %v", n, p.Status.Current, p.Status.NextScanAt)
	}
}

func readyIs(status metav1.ConditionStatus, reason string) func(*v1alpha1.ImagePolicy) bool {
	return func(p *v1alpha1.ImagePolicy) bool {
		c := condition(p, v1alpha1.ConditionReady)
		return c.Status == status && c.Reason == reason && c.ObservedGeneration == p.Generation
	}
}

func withSecrets(pull, ca string) func(*v1alpha1.ImagePolicy) {
	return func(p *v1alpha1.ImagePolicy) {
		if pull != "" {
			p.Spec.SecretRef = &v1alpha1.LocalObjectReference{Name: pull}
		}
		p.Spec.CASecretRef = &v1alpha1.LocalObjectReference{Name: ca}
	}
}

func createSecret(t *testing.T, ns, name string, data map[string][]byte, typ corev1.SecretType) {
	t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Data: data, Type: typ}
	if err := cl.Create(t.Context(), s); err != nil {
		t.Fatal(err)
	}
}

func dockerConfig(host, user, pass string) map[string][]byte {
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	return map[string][]byte{corev1.DockerConfigJsonKey: fmt.Appendf(nil, `{"auths":{%q:{"auth":%q}}}`, host, auth)}
}
