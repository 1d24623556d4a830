package writeback_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/imagepin/imagepin/internal/metawatch"
	"github.com/imagepin/imagepin/internal/testenv/registry"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/scanner"
	"github.com/imagepin/imagepin/resolver"
)

// withScanner runs the real scanner in the test manager, sharing the
// metadata cache of write-back as in imagepin's manager.
func withScanner(mgr ctrl.Manager, reg *prometheus.Registry, meta *metawatch.Cache) error {
	res, err := resolver.New(resolver.WithRegisterer(reg), resolver.WithRetry(2, 10*time.Millisecond, 50*time.Millisecond))
	if err != nil {
		return err
	}
	sc, err := scanner.New(scanner.Options{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Registry: res,
		Events: mgr.GetEventRecorder("imagepin-scanner"), Registerer: reg, Metadata: meta,
		ShareWindow: 300 * time.Millisecond, MaxJitter: 50 * time.Millisecond, MaxBackoff: time.Second,
	})
	if err != nil {
		return err
	}
	return sc.SetupWithManager(context.Background(), mgr)
}

// TestScannerMovesCurrentAndGitFollows runs the real scanner against a
// registry beside write-back: a pushed tag moves current and lands in Git.
// A policy whose Git credentials are wrong goes on being scanned and
// pinned; its write-back catches up once the Secret is fixed.
func TestScannerMovesCurrentAndGitFollows(t *testing.T) {
	f, reg := newFixture(t), registry.NewInProcess(t)
	d := reg.Push(t, "acme/app", "1.0.0")
	reg.Push(t, "acme/other", "1.0.0")
	f.secret(t, "bad", map[string]string{"username": gitUser, "password": "wrong"})
	f.git.CommitT(t, "markers", map[string]string{"apps/scanned.yaml": "app: x # {\"$imagepin\": \"" + f.ns + ":app\"}\n" +
		"other: x # {\"$imagepin\": \"" + f.ns + ":other:tag\"}\n"})
	startWriteBack(t, f.ns, withScanner)
	app, other := scannedPolicy(t, f, "app", reg.Repo("acme/app"), "git"), scannedPolicy(t, f, "other", reg.Repo("acme/other"), "bad")

	waitForFile(t, f, "apps/scanned.yaml", "app: "+reg.Repo("acme/app")+":1.0.0@"+d["1.0.0"]+" #")
	waitFor(t, other, "AuthenticationFailed", writtenBack(metav1.ConditionFalse, v1alpha1.ReasonAuthenticationFailed))

	d = reg.Push(t, "acme/app", "1.1.0")
	waitForFile(t, f, "apps/scanned.yaml", "app: "+reg.Repo("acme/app")+":1.1.0@"+d["1.1.0"]+" #")
	waitFor(t, app, "the commit in status", func(p *v1alpha1.ImagePolicy) bool {
		head, err := f.git.Head(t.Context())
		return err == nil && recorded(head)(p)
	})
	if s := subject(f.git.LogT(t)[0]); s != "imagepin: update "+f.ns+"/app from 1.0.0 to 1.1.0 (scan)" {
		t.Errorf("subject %q", s)
	}

	d2 := reg.Push(t, "acme/other", "1.1.0")
	waitFor(t, other, "scanning on despite the write-back failure", func(p *v1alpha1.ImagePolicy) bool {
		return p.Status.Current != nil && p.Status.Current.Digest == d2["1.1.0"] &&
			condition(p, v1alpha1.ConditionReady).Status == metav1.ConditionTrue && writtenBack(metav1.ConditionFalse, v1alpha1.ReasonAuthenticationFailed)(p)
	})

	fixSecret(t, f, "bad")
	reg.Push(t, "acme/other", "1.2.0")
	waitForFile(t, f, "apps/scanned.yaml", "other: 1.2.0 #")
	waitFor(t, other, "WrittenBack after the fix", writtenBack(metav1.ConditionTrue, v1alpha1.ReasonSucceeded))
}

func scannedPolicy(t *testing.T, f *fixture, name, image, secret string) *v1alpha1.ImagePolicy {
	t.Helper()
	p := &v1alpha1.ImagePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: name},
		Spec: v1alpha1.ImagePolicySpec{
			Image: image, Schedule: "@every 1s",
			Select: v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: "^1"}},
			WriteBack: &v1alpha1.WriteBack{Git: v1alpha1.GitWriteBack{URL: f.git.URL, Branch: "main", Path: "apps",
				SecretRef: &v1alpha1.LocalObjectReference{Name: secret}, Insecure: true}},
		},
	}
	if err := cl.Create(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

func fixSecret(t *testing.T, f *fixture, name string) {
	t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: name},
		StringData: map[string]string{"username": gitUser, "password": gitPassword}}
	if err := cl.Update(t.Context(), s); err != nil {
		t.Fatal(err)
	}
}

func waitForFile(t *testing.T, f *fixture, path, line string) {
	t.Helper()
	var content string
	waitUntil(t, path+" with "+line, func() bool {
		var err error
		content, err = f.git.File(t.Context(), path)
		return err == nil && strings.Contains(content, line)
	}, func() string { return path + " holds:\n" + content })
}
