package writeback_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/imagepin/imagepin/internal/testenv/registry"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// readTree reads testdata/targets/<dir> with REPO and DIGEST replaced.
func readTree(t *testing.T, dir, repo, digest string) map[string]string {
	t.Helper()
	files := map[string]string{}
	root := filepath.Join("testdata", "targets", dir)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = strings.NewReplacer("REPO", repo, "DIGEST", digest).Replace(string(b))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestTargetsWithoutMarkers runs the scanner against a registry and
// write-back against a repository without a single marker: an Argo CD
// Kustomize application, a Helm application's values and a plain
// kustomize overlay, one policy each. One pushed tag makes one commit
// that changes exactly the golden lines and creates the Argo CD override
// file; kustomize builds the overlay with the new image and its digest.
func TestTargetsWithoutMarkers(t *testing.T) {
	f, reg := newFixture(t), registry.NewInProcess(t)
	reg.Push(t, "acme/app", "0.9.0") // outside the policies' range: nothing is current yet
	repo := reg.Repo("acme/app")
	f.git.CommitT(t, "apps without markers", readTree(t, "before", repo, ""))
	startWriteBackDebounced(t, f.ns, 3*time.Second, withScanner)
	policies := []*v1alpha1.ImagePolicy{
		targetPolicy(t, f, "argo-kustomize", repo, v1alpha1.WriteBackTarget{ArgoCD: &v1alpha1.ArgoCDTarget{
			Application: "podinfo", Path: "apps/podinfo", Source: v1alpha1.ArgoCDKustomize}}),
		targetPolicy(t, f, "helm-web", repo, v1alpha1.WriteBackTarget{HelmValues: &v1alpha1.HelmValuesTarget{
			File: "apps/web/values.yaml", Repository: "image.repository", Tag: "image.tag", Digest: "image.digest"}}),
		targetPolicy(t, f, "overlay", repo, v1alpha1.WriteBackTarget{Kustomization: &v1alpha1.KustomizationTarget{Path: "overlays/prod"}}),
	}

	digest := reg.Push(t, "acme/app", "1.0.0")["1.0.0"]
	log := waitForCommits(t, f.git, 3)
	after := readTree(t, "after", repo, digest)
	var want []string
	for p := range after {
		want = append(want, p)
	}
	sort.Strings(want)
	if diff := cmp.Diff(want, log[0].Files); diff != "" {
		t.Errorf("files of the commit (-want +got):\n%s", diff)
	}
	for p, content := range after {
		if diff := cmp.Diff(content, f.git.FileT(t, p)); diff != "" {
			t.Errorf("%s (-golden +got):\n%s", p, diff)
		}
	}
	if s := subject(log[0]); s != "imagepin: update 3 images" {
		t.Errorf("subject %q", s)
	}
	for _, p := range policies {
		waitFor(t, p, "the commit in status", recorded(log[0].Hash))
	}
	if img := buildOverlay(t, f, "overlays/prod"); img != repo+":1.0.0@"+digest {
		t.Errorf("kustomize build of the overlay: image %q", img)
	}
	var override struct {
		Kustomize struct{ Images []string } `json:"kustomize"`
	}
	if err := yaml.Unmarshal([]byte(f.git.FileT(t, "apps/podinfo/.argocd-source-podinfo.yaml")), &override); err != nil ||
		len(override.Kustomize.Images) != 1 || override.Kustomize.Images[0] != repo+":1.0.0@"+digest {
		t.Errorf("Argo CD reads kustomize.images %v (%v)", override.Kustomize.Images, err)
	}
}

func targetPolicy(t *testing.T, f *fixture, name, image string, targets ...v1alpha1.WriteBackTarget) *v1alpha1.ImagePolicy {
	t.Helper()
	p := &v1alpha1.ImagePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: name},
		Spec: v1alpha1.ImagePolicySpec{
			Image: image, Schedule: "@every 1s",
			Select: v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: "^1"}},
			WriteBack: &v1alpha1.WriteBack{Git: v1alpha1.GitWriteBack{URL: f.git.URL, Branch: "main",
				SecretRef: &v1alpha1.LocalObjectReference{Name: "git"}, Targets: targets, Insecure: true}},
		},
	}
	if err := cl.Create(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

// buildOverlay runs kustomize (its Go API, as the kustomize CLI and Argo
// CD do) on the branch's files and returns the image of the Deployment.
func buildOverlay(t *testing.T, f *fixture, dir string) string {
	t.Helper()
	fsys := filesys.MakeFsInMemory()
	for _, p := range []string{"base/kustomization.yaml", "base/deployment.yaml", dir + "/kustomization.yaml"} {
		if err := fsys.WriteFile(p, []byte(f.git.FileT(t, p))); err != nil {
			t.Fatal(err)
		}
	}
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fsys, dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	out, err := m.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Spec struct {
			Template struct {
				Spec struct{ Containers []struct{ Image string } }
			}
		}
	}
	if err := yaml.Unmarshal(out, &d); err != nil || len(d.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("kustomize build %s:\n%s\n%v", dir, out, err)
	}
	return d.Spec.Template.Spec.Containers[0].Image
}

// TestTargetFailures: each broken target fails its policy with a reason
// that names file and key, and nothing of that policy is committed; the
// other policy of the cycle is.
func TestTargetFailures(t *testing.T) {
	values := helmTarget("apps/web/values.yaml", "image.tag")
	tests := map[string]struct {
		files  map[string]string
		target v1alpha1.WriteBackTarget
		reason string
		msg    string
		path   string // markers are searched here too
	}{
		"missing values file": {nil, helmTarget("apps/web/nope.yaml", "image.tag"), v1alpha1.ReasonTargetNotFound,
			"spec.writeBack.git.targets[1].helmValues: apps/web/nope.yaml: not found", ""},
		"missing key": {map[string]string{"apps/web/values.yaml": "image:\n  tag: x\n"}, helmTarget("apps/web/values.yaml", "image.digest"),
			v1alpha1.ReasonTargetNotFound, "apps/web/values.yaml: key image.digest: not found", ""},
		"key that is not a scalar": {map[string]string{"apps/web/values.yaml": "image:\n  tag: [x]\n"}, values,
			v1alpha1.ReasonTargetInvalid, "apps/web/values.yaml: key image.tag (line 2) is not a scalar", ""},
		"unparsable file": {map[string]string{"apps/web/values.yaml": "image: {tag: x\n"}, values,
			v1alpha1.ReasonTargetInvalid, "apps/web/values.yaml: not valid YAML", ""},
		"no kustomization": {nil, v1alpha1.WriteBackTarget{Kustomization: &v1alpha1.KustomizationTarget{Path: "apps"}},
			v1alpha1.ReasonTargetNotFound, "no kustomization.yaml, kustomization.yml or Kustomization in apps", ""},
		"images that are not a list": {map[string]string{"k/kustomization.yaml": "images: nginx\n"},
			v1alpha1.WriteBackTarget{Kustomization: &v1alpha1.KustomizationTarget{Path: "k"}},
			v1alpha1.ReasonTargetInvalid, "k/kustomization.yaml: images (line 1) is not a list", ""},
		"missing application folder": {nil, v1alpha1.WriteBackTarget{ArgoCD: &v1alpha1.ArgoCDTarget{Application: "web", Path: "nope", Source: v1alpha1.ArgoCDHelm}},
			v1alpha1.ReasonTargetNotFound, "targets[1].argoCD: folder nope: not found", ""},
		"targets and no marker under path": {map[string]string{"k/kustomization.yaml": "resources: []\n"},
			v1alpha1.WriteBackTarget{Kustomization: &v1alpha1.KustomizationTarget{Path: "k"}},
			v1alpha1.ReasonNoMarkers, `no marker {"$imagepin": "`, "docs"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			f.git.CommitT(t, "targets", merge(tc.files, map[string]string{"good/kustomization.yaml": "resources: []\n"}))
			startWriteBack(t, f.ns)
			good := f.policy(t, "good", withTarget(v1alpha1.WriteBackTarget{Kustomization: &v1alpha1.KustomizationTarget{Path: "good"}}))
			bad := f.policy(t, "bad", withTarget(tc.target), func(g *v1alpha1.GitWriteBack) {
				// The good folder first: its change must be undone too.
				g.Targets = append([]v1alpha1.WriteBackTarget{{Kustomization: &v1alpha1.KustomizationTarget{Path: "good"}}}, g.Targets...)
				g.Path = tc.path
			})
			setCurrent(t, good, "1.0.0", v1alpha1.SourceScan)
			setCurrent(t, bad, "1.0.0", v1alpha1.SourceScan)

			waitFor(t, bad, tc.reason, writtenBack(metav1.ConditionFalse, tc.reason))
			if c := condition(bad, v1alpha1.ConditionWrittenBack); !strings.Contains(c.Message, tc.msg) {
				t.Errorf("message %q; want %q", c.Message, tc.msg)
			}
			log := waitForCommits(t, f.git, 3)
			waitFor(t, good, "the commit of the good policy", recorded(log[0].Hash))
			k := f.git.FileT(t, "good/kustomization.yaml")
			if !strings.Contains(k, "ghcr.io/acme/good") || strings.Contains(k, "ghcr.io/acme/bad") {
				t.Errorf("good/kustomization.yaml holds:\n%s\nwant the good policy's image only", k)
			}
			for p, content := range tc.files {
				if got := f.git.FileT(t, p); got != content {
					t.Errorf("%s of the failed policy changed:\n%s", p, got)
				}
			}
			if bad.Status.WriteBack != nil {
				t.Errorf("the failed policy's status names a commit: %+v", bad.Status.WriteBack)
			}
		})
	}
}

// TestPushBranchFromTheController: the first change creates the review
// branch from main, the second adds a commit on it; main is untouched and
// status.writeBack.branch names the review branch.
func TestPushBranchFromTheController(t *testing.T) {
	f := newFixture(t)
	f.git.CommitT(t, "overlay", map[string]string{"k/kustomization.yaml": "resources: []\n"})
	mainHead := f.git.LogT(t)[0].Hash
	startWriteBack(t, f.ns)
	app := f.policy(t, "app", withTarget(v1alpha1.WriteBackTarget{Kustomization: &v1alpha1.KustomizationTarget{Path: "k"}}),
		func(g *v1alpha1.GitWriteBack) { g.PushBranch = "imagepin/app" })
	for i, tag := range []string{"1.0.0", "1.1.0"} {
		setCurrent(t, app, tag, v1alpha1.SourceScan)
		var log []string
		waitUntil(t, "commit on the review branch", func() bool {
			commits, err := f.git.LogOf(t.Context(), "imagepin/app")
			log = nil
			for _, c := range commits {
				log = append(log, c.Hash)
			}
			return err == nil && len(log) == i+3
		})
		waitFor(t, app, "status of the review commit", func(p *v1alpha1.ImagePolicy) bool {
			return recorded(log[0])(p) && p.Status.WriteBack.Branch == "imagepin/app"
		})
		if got := f.git.FileOnT(t, "imagepin/app", "k/kustomization.yaml"); !strings.Contains(got, "newTag: "+`"`+tag+`"`) &&
			!strings.Contains(got, "newTag: "+tag) {
			t.Errorf("review branch holds:\n%s", got)
		}
	}
	if log := f.git.LogT(t); log[0].Hash != mainHead {
		t.Errorf("main moved to %s", log[0].Message)
	}
}

func helmTarget(file, tag string) v1alpha1.WriteBackTarget {
	return v1alpha1.WriteBackTarget{HelmValues: &v1alpha1.HelmValuesTarget{File: file, Tag: tag}}
}

func withTarget(target v1alpha1.WriteBackTarget) func(*v1alpha1.GitWriteBack) {
	return func(g *v1alpha1.GitWriteBack) { g.Path, g.Targets = "", []v1alpha1.WriteBackTarget{target} }
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
