package writeback_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/yaml"

	"github.com/imagepin/imagepin/internal/testenv/controlplane"
	"github.com/imagepin/imagepin/internal/testenv/gitserver"
	"github.com/imagepin/imagepin/internal/testenv/kubescheme"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// The tests share one real API server; each runs its own write-back
// controller, limited to its own namespace, against its own Git server.
var (
	cp     *controlplane.ControlPlane
	cl     client.Client
	scheme = kubescheme.Must()
)

const (
	gitUser     = "imagepin"
	gitPassword = "git-s3cret"
)

func TestMain(m *testing.M) {
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr)))
	os.Exit(controlplane.RunTests(m, controlplane.Options{CRDDirs: []string{"charts/imagepin/crds"}}, func(c *controlplane.ControlPlane) (err error) {
		cp = c
		cl, err = client.New(cp.Config, client.Options{Scheme: scheme})
		return err
	}))
}

// fixture is a namespace with a Git server, its credentials Secret "git",
// and a values file with markers of the policies app and worker.
type fixture struct {
	ns  string
	git *gitserver.Server
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{git: gitserver.StartT(t, gitserver.Options{User: gitUser, Password: gitPassword})}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "writeback-"}}
	if err := cl.Create(t.Context(), ns); err != nil {
		t.Fatal(err)
	}
	f.ns = ns.Name
	f.secret(t, "git", map[string]string{"username": gitUser, "password": gitPassword})
	f.git.CommitT(t, "seed", map[string]string{"apps/values.yaml": f.values("0.0.0", "0.0.0"), "docs/notes.yaml": "notes: none\n"})
	return f
}

// values is the Helm values file with app and worker at the given tags.
func (f *fixture) values(app, worker string) string {
	ref := func(tag string) string {
		if tag == "0.0.0" {
			return tag
		}
		return tag + "@" + digestOf(tag)
	}
	return fmt.Sprintf(`# Helm values of the shop.
app:
  image: ghcr.io/acme/app:%s # {"$imagepin": "%s:app"}
  replicas: 2
worker:
  repository: ghcr.io/acme/worker # {"$imagepin": "%[3]s:worker:name"}
  tag: "%[4]s" # {"$imagepin": "%[3]s:worker:tag"}
`, ref(app), f.ns, f.ns, worker)
}

func (f *fixture) secret(t *testing.T, name string, data map[string]string) {
	t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: name}, StringData: data}
	if err := cl.Create(t.Context(), s); err != nil {
		t.Fatal(err)
	}
}

// policy creates an ImagePolicy of ghcr.io/acme/<name> that writes back to
// the fixture's repository under apps/ with the Secret "git". The test
// server speaks plain HTTP: the policy says insecure.
func (f *fixture) policy(t *testing.T, name string, mods ...func(*v1alpha1.GitWriteBack)) *v1alpha1.ImagePolicy {
	t.Helper()
	git := v1alpha1.GitWriteBack{URL: f.git.URL, Branch: "main", Path: "apps/", SecretRef: &v1alpha1.LocalObjectReference{Name: "git"},
		Insecure: true}
	for _, mod := range mods {
		mod(&git)
	}
	p := &v1alpha1.ImagePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: name},
		Spec: v1alpha1.ImagePolicySpec{
			Image:     "ghcr.io/acme/" + name,
			Select:    v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: ">=0.1.0"}},
			WriteBack: &v1alpha1.WriteBack{Git: git},
		},
	}
	if err := cl.Create(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

func digestOf(tag string) string {
	sum := sha256.Sum256([]byte(tag))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// setCurrent does what the scanner does when current moves: it writes
// current, history and the Ready condition with an update of the whole
// status.
func setCurrent(t *testing.T, p *v1alpha1.ImagePolicy, tag string, source v1alpha1.Source) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := cl.Get(t.Context(), client.ObjectKeyFromObject(p), p); err != nil {
			return err
		}
		rec := v1alpha1.ImageRecord{Image: p.Spec.Image + ":" + tag + "@" + digestOf(tag), Tag: tag, Digest: digestOf(tag),
			Source: source, Since: metav1.Now()}
		p.Status.Current = &v1alpha1.CurrentImage{ImageRecord: rec, ShortDigest: digestOf(tag)[7:19]}
		p.Status.History = append([]v1alpha1.ImageRecord{rec}, p.Status.History...)
		p.Status.ObservedGeneration = p.Generation
		meta.SetStatusCondition(&p.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue,
			Reason: v1alpha1.ReasonSucceeded, Message: "pods are pinned to " + rec.Image, ObservedGeneration: p.Generation})
		return cl.Status().Update(t.Context(), p)
	})
	if err != nil {
		t.Fatalf("set current of %s: %v", p.Name, err)
	}
}

// edit changes p's spec as a user would.
func edit(t *testing.T, p *v1alpha1.ImagePolicy, mod func(*v1alpha1.ImagePolicy)) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := cl.Get(t.Context(), client.ObjectKeyFromObject(p), p); err != nil {
			return err
		}
		mod(p)
		return cl.Update(t.Context(), p)
	})
	if err != nil {
		t.Fatalf("edit %s: %v", p.Name, err)
	}
}

// waitFor polls p until cond holds, and fails the test with p's status if it
// does not within 30s.
func waitFor(t *testing.T, p *v1alpha1.ImagePolicy, what string, cond func(*v1alpha1.ImagePolicy) bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		if err := cl.Get(ctx, client.ObjectKeyFromObject(p), p); err != nil {
			return false, err
		}
		return cond(p), nil
	})
	if err != nil {
		status, _ := yaml.Marshal(p.Status)
		t.Fatalf("%s/%s: waiting for %s: %v\nstatus:\n%s", p.Namespace, p.Name, what, err, status)
	}
}

// writtenBack returns a condition that WrittenBack has status and reason.
func writtenBack(status metav1.ConditionStatus, reason string) func(*v1alpha1.ImagePolicy) bool {
	return func(p *v1alpha1.ImagePolicy) bool {
		c := meta.FindStatusCondition(p.Status.Conditions, v1alpha1.ConditionWrittenBack)
		return c != nil && c.Status == status && c.Reason == reason && c.ObservedGeneration == p.Generation
	}
}

// recorded returns a condition that the policy's status records commit.
func recorded(commit string) func(*v1alpha1.ImagePolicy) bool {
	return func(p *v1alpha1.ImagePolicy) bool {
		return writtenBack(metav1.ConditionTrue, v1alpha1.ReasonSucceeded)(p) && p.Status.WriteBack != nil && p.Status.WriteBack.Commit == commit
	}
}

func condition(p *v1alpha1.ImagePolicy, typ string) metav1.Condition {
	if c := meta.FindStatusCondition(p.Status.Conditions, typ); c != nil {
		return *c
	}
	return metav1.Condition{}
}

// waitForCommits waits until the branch has n commits and returns the log.
func waitForCommits(t *testing.T, git *gitserver.Server, n int) []gitserver.Commit {
	t.Helper()
	var log []gitserver.Commit
	err := wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		var err error
		log, err = git.Log(ctx)
		return len(log) >= n, err
	})
	if err != nil || len(log) != n {
		t.Fatalf("waiting for %d commits: %v; log: %+v", n, err, log)
	}
	return log
}

func subject(c gitserver.Commit) string {
	s, _, _ := strings.Cut(c.Message, "\n")
	return s
}

// waitUntil polls cond for up to 30s; details, if given, tell more on failure.
func waitUntil(t *testing.T, what string, cond func() bool, details ...func() string) {
	t.Helper()
	err := wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return cond(), nil
	})
	if err != nil {
		more := ""
		for _, d := range details {
			more += "\n" + d()
		}
		t.Fatalf("waiting for %s: %v%s", what, err, more)
	}
}
