package scanner_test

import (
	"encoding/pem"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/internal/testenv/registry"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// TestSecretFixRescans breaks each kind of registry Secret a policy can use,
// with retries an hour apart, then fixes it: the policy is scanned again
// within seconds because the Secret (or ServiceAccount) is watched. A
// policy that is Ready is not scanned again for a Secret edit.
func TestSecretFixRescans(t *testing.T) {
	ns := namespace(t)
	dist := registry.StartT(t, registry.Options{Username: "ci", Password: "s3cret", TLS: true})
	d, err := dist.Push(t.Context(), "team/app", "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	good, wrong := dockerConfig(dist.Host, "ci", "s3cret"), dockerConfig(dist.Host, "ci", "guess")
	createSecret(t, ns, "ca", map[string][]byte{"ca.crt": dist.CAPEM}, corev1.SecretTypeOpaque)
	createSecret(t, ns, "shared", good, corev1.SecretTypeDockerConfigJson)
	startScanner(t, ns, newResolver(t), scannerOpts{firstBackoff: time.Hour, maxBackoff: time.Hour})
	ready := hourlyPolicy(ns, "ready", dist.Repo("team/app"))
	withSecrets("shared", "ca")(ready)
	if err := cl.Create(t.Context(), ready); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ready, "Ready=True", readyIs(metav1.ConditionTrue, v1alpha1.ReasonSucceeded))
	readyScan := ready.Status.LastScan.Time

	tests := map[string]struct {
		setup  func(t *testing.T, p *v1alpha1.ImagePolicy)
		reason string
		fix    func(t *testing.T)
	}{
		"wrong password in secretRef": {
			setup: func(t *testing.T, p *v1alpha1.ImagePolicy) {
				createSecret(t, ns, "pull", wrong, corev1.SecretTypeDockerConfigJson)
				withSecrets("pull", "ca")(p)
			},
			reason: v1alpha1.ReasonAuthenticationFailed,
			fix:    func(t *testing.T) { updateSecret(t, ns, "pull", good) },
		},
		"secretRef created late": {
			setup:  func(t *testing.T, p *v1alpha1.ImagePolicy) { withSecrets("late", "ca")(p) },
			reason: v1alpha1.ReasonSecretNotFound,
			fix:    func(t *testing.T) { createSecret(t, ns, "late", good, corev1.SecretTypeDockerConfigJson) },
		},
		"wrong CA": {
			setup: func(t *testing.T, p *v1alpha1.ImagePolicy) {
				other := httptest.NewTLSServer(nil) // a CA that did not sign the registry's certificate
				other.Close()
				otherCA := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: other.Certificate().Raw})
				createSecret(t, ns, "badca", map[string][]byte{"ca.crt": otherCA}, corev1.SecretTypeOpaque)
				withSecrets("shared", "badca")(p)
			},
			reason: v1alpha1.ReasonRegistryUnavailable,
			fix:    func(t *testing.T) { updateSecret(t, ns, "badca", map[string][]byte{"ca.crt": dist.CAPEM}) },
		},
		"service account's pull secret": {
			setup: func(t *testing.T, p *v1alpha1.ImagePolicy) {
				createSecret(t, ns, "sapull", wrong, corev1.SecretTypeDockerConfigJson)
				sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "puller"},
					ImagePullSecrets: []corev1.LocalObjectReference{{Name: "sapull"}}}
				if err := cl.Create(t.Context(), sa); err != nil {
					t.Fatal(err)
				}
				withSecrets("", "ca")(p)
				p.Spec.ServiceAccountName = "puller"
			},
			reason: v1alpha1.ReasonAuthenticationFailed,
			fix:    func(t *testing.T) { updateSecret(t, ns, "sapull", good) },
		},
		"service account missing its pull secret": {
			setup: func(t *testing.T, p *v1alpha1.ImagePolicy) {
				sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bare"}}
				if err := cl.Create(t.Context(), sa); err != nil {
					t.Fatal(err)
				}
				withSecrets("", "ca")(p)
				p.Spec.ServiceAccountName = "bare"
			},
			reason: v1alpha1.ReasonAuthenticationFailed,
			fix: func(t *testing.T) {
				var sa corev1.ServiceAccount
				if err := cl.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "bare"}, &sa); err != nil {
					t.Fatal(err)
				}
				sa.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "shared"}}
				if err := cl.Update(t.Context(), &sa); err != nil {
					t.Fatal(err)
				}
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := hourlyPolicy(ns, "p-"+strings.ToLower(strings.NewReplacer(" ", "-", "'", "").Replace(name)), dist.Repo("team/app"))
			tc.setup(t, p)
			if err := cl.Create(t.Context(), p); err != nil {
				t.Fatal(err)
			}
			waitFor(t, p, "Ready=False "+tc.reason, readyIs(metav1.ConditionFalse, tc.reason))
			start := time.Now()
			tc.fix(t)
			waitFor(t, p, "Ready=True after the fix", readyIs(metav1.ConditionTrue, v1alpha1.ReasonSucceeded))
			t.Logf("fixed after %s", time.Since(start).Round(10*time.Millisecond))
			if !currentIs("1.0.0", d["1.0.0"].String(), v1alpha1.SourceScan)(p) {
				t.Errorf("current = %+v", p.Status.Current)
			}
		})
	}

	updateSecret(t, ns, "shared", good) // an edit that changes nothing
	time.Sleep(2 * time.Second)
	if got := lastScan(t, ready); !got.Equal(&readyScan) {
		t.Errorf("a Ready policy was scanned again for a Secret edit: %v → %v", readyScan, got)
	}
}

func updateSecret(t *testing.T, ns, name string, data map[string][]byte) {
	t.Helper()
	var s corev1.Secret
	if err := cl.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: name}, &s); err != nil {
		t.Fatal(err)
	}
	s.Data = data
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	s.Annotations["test/edited"] = time.Now().String() // a new resourceVersion even if data is the same
	if err := cl.Update(t.Context(), &s); err != nil {
		t.Fatal(err)
	}
}

// TestCredentialsOverPlainHTTP scans a real registry that takes a password
// over plain HTTP on 127.0.0.1: refused unless the policy says insecure.
func TestCredentialsOverPlainHTTP(t *testing.T) {
	ns := namespace(t)
	dist := registry.StartT(t, registry.Options{Username: "ci", Password: "s3cret"})
	d, err := dist.Push(t.Context(), "team/app", "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	createSecret(t, ns, "pull", dockerConfig(dist.Host, "ci", "s3cret"), corev1.SecretTypeDockerConfigJson)
	startScanner(t, ns, newResolver(t), scannerOpts{})
	refused := semverPolicy(ns, "refused", dist.Repo("team/app"), "^1")
	refused.Spec.SecretRef = &v1alpha1.LocalObjectReference{Name: "pull"}
	allowed := refused.DeepCopy()
	allowed.Name, allowed.Spec.Insecure = "allowed", true
	for _, p := range []*v1alpha1.ImagePolicy{refused, allowed} {
		if err := cl.Create(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, refused, "Ready=False CredentialsOverHTTP", readyIs(metav1.ConditionFalse, v1alpha1.ReasonCredentialsOverHTTP))
	waitFor(t, allowed, "current 1.0.0", currentIs("1.0.0", d["1.0.0"].String(), v1alpha1.SourceScan))
}
