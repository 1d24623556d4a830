package argocd_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/imagepin/imagepin/policy/writeback/argocd"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

var img = argocd.Image{Repository: "ghcr.io/acme/app", Tag: "1.10", Digest: digest}

// applicationSource mirrors the fields of Argo CD's v1alpha1.ApplicationSource
// (pkg/apis/application/v1alpha1/types.go) that override files set, with
// Argo CD's JSON names. Importing Argo CD's module for them would pull in
// most of Kubernetes.
type applicationSource struct {
	RepoURL   string `json:"repoURL"`
	Path      string `json:"path,omitempty"`
	Kustomize *struct {
		Images     []string `json:"images,omitempty"`
		NamePrefix string   `json:"namePrefix,omitempty"`
	} `json:"kustomize,omitempty"`
	Helm *struct {
		Parameters []struct {
			Name        string `json:"name,omitempty"`
			Value       string `json:"value,omitempty"`
			ForceString bool   `json:"forceString,omitempty"`
		} `json:"parameters,omitempty"`
	} `json:"helm,omitempty"`
}

// readAsArgoCD reads an override file as Argo CD's repo server does
// (mergeSourceParameters): YAML to JSON, applied as a JSON merge patch to
// the application's source, then decoded with encoding/json.
func readAsArgoCD(t *testing.T, override []byte) applicationSource {
	t.Helper()
	patch, err := yaml.YAMLToJSON(override)
	if err != nil {
		t.Fatal(err)
	}
	merged, err := jsonpatch.MergePatch([]byte(`{"repoURL":"https://git.example.com/r.git","path":"apps/app"}`), patch)
	if err != nil {
		t.Fatal(err)
	}
	var src applicationSource
	if err := json.Unmarshal(merged, &src); err != nil {
		t.Fatal(err)
	}
	return src
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

func read(t *testing.T, name string) []byte {
	t.Helper()
	if name == "" {
		return nil
	}
	b, err := os.ReadFile(filepath.Join("testdata", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSetKustomizeImage(t *testing.T) {
	tests := map[string]struct {
		src    string
		images []string
	}{
		"kustomize-new":      {"", []string{"ghcr.io/acme/app:1.10@" + digest}},
		"kustomize-existing": {"kustomize-existing", []string{"nginx:1.27", "ghcr.io/acme/app:1.10@" + digest}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, err := argocd.SetKustomizeImage(read(t, tc.src), img)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name, out)
			src := readAsArgoCD(t, out)
			if diff := cmp.Diff(tc.images, src.Kustomize.Images); diff != "" {
				t.Errorf("Argo CD reads kustomize.images (-want +got):\n%s", diff)
			}
			if again, err := argocd.SetKustomizeImage(out, img); err != nil || string(again) != string(out) {
				t.Errorf("a second write changed the file (%v):\n%s", err, again)
			}
		})
	}
}

func TestSetHelmParameters(t *testing.T) {
	tests := map[string]struct {
		src   string
		names argocd.HelmNames
		want  map[string]string
	}{
		"helm-new": {"", argocd.HelmNames{Digest: "image.digest"},
			map[string]string{"image.repository": img.Repository, "image.tag": "1.10", "image.digest": digest}},
		"helm-existing": {"helm-existing", argocd.HelmNames{},
			map[string]string{"replicaCount": "2", "image.repository": img.Repository, "image.tag": "1.10"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, err := argocd.SetHelmParameters(read(t, tc.src), tc.names, img)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name, out)
			got := map[string]string{}
			for _, p := range readAsArgoCD(t, out).Helm.Parameters {
				got[p.Name] = p.Value
				if !p.ForceString && p.Name != "replicaCount" {
					t.Errorf("parameter %s is not read as forceString", p.Name)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Argo CD reads helm.parameters (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPoliciesShareOneFile: two policies (two repositories) write one file
// in turn; neither removes the other's entry.
func TestPoliciesShareOneFile(t *testing.T) {
	other := argocd.Image{Repository: "ghcr.io/acme/worker", Tag: "2.0.0", Digest: digest}
	out, err := argocd.SetKustomizeImage(nil, img)
	if err == nil {
		out, err = argocd.SetKustomizeImage(out, other)
	}
	if err == nil {
		out, err = argocd.SetKustomizeImage(out, img)
	}
	if err != nil {
		t.Fatal(err)
	}
	want := []string{img.Ref(), other.Ref()}
	if diff := cmp.Diff(want, readAsArgoCD(t, out).Kustomize.Images); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestFailures(t *testing.T) {
	tests := map[string]struct {
		src, msg string
	}{
		"not YAML":           {"kustomize: [", "not valid YAML"},
		"not a mapping":      {"- a\n", "not a mapping"},
		"images not a list":  {"kustomize:\n  images: nginx\n", "kustomize.images (line 2) is not a list"},
		"kustomize a string": {"kustomize: x\n", "kustomize (line 1) is not a mapping"},
		"image not a string": {"kustomize:\n  images:\n  - {a: b}\n", "kustomize.images[0] (line 3) is not a string"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := argocd.SetKustomizeImage([]byte(tc.src), img); err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %v; want %q", err, tc.msg)
			}
		})
	}
	if _, err := argocd.SetHelmParameters([]byte("helm:\n  parameters:\n  - x\n"), argocd.HelmNames{}, img); err == nil ||
		!strings.Contains(err.Error(), "helm.parameters[0] (line 3) is not a mapping") {
		t.Errorf("helm.parameters entry not a mapping: %v", err)
	}
}
