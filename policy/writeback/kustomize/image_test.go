package kustomize_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/imagepin/imagepin/policy/writeback/kustomize"
	"github.com/imagepin/imagepin/policy/writeback/yamledit"
)

const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

var img = kustomize.Image{Name: "ghcr.io/acme/app", Tag: "1.10", Digest: digest}

func TestSetImage(t *testing.T) {
	tests := map[string]struct {
		src, want string
	}{
		"entry by name, keeps quoting and comments": {
			"# prod\nresources:\n  - ../base\n\nimages:\n  - name: nginx\n    newTag: \"1.0\"\n  - name: ghcr.io/acme/app # ours\n    newTag: '1.2.3'   # pinned\n    digest: \"sha256:old\"\n\nlabels: {a: b}\n",
			"# prod\nresources:\n  - ../base\n\nimages:\n  - name: nginx\n    newTag: \"1.0\"\n  - name: ghcr.io/acme/app # ours\n    newTag: '1.10'   # pinned\n    digest: \"" + digest + "\"\n\nlabels: {a: b}\n",
		},
		"entry by newName gets the missing digest": {
			"images:\n- name: app\n  newName: ghcr.io/acme/app\n  newTag: 1.2.3\nresources: [deploy.yaml]\n",
			"images:\n- name: app\n  newName: ghcr.io/acme/app\n  newTag: \"1.10\"\n  digest: " + digest + "\nresources: [deploy.yaml]\n",
		},
		"flow entry": {
			"images:\n- {name: ghcr.io/acme/app, newTag: v1}\n",
			"images:\n- {name: ghcr.io/acme/app, newTag: \"1.10\", digest: " + digest + "}\n",
		},
		"absent entry is added like its siblings": {
			"images:\n  - name: nginx # web\n    newTag: \"1.0\"\n# end of images\nresources:\n- a.yaml\n",
			"images:\n  - name: nginx # web\n    newTag: \"1.0\"\n  - name: ghcr.io/acme/app\n    newTag: \"1.10\"\n    digest: " + digest + "\n# end of images\nresources:\n- a.yaml\n",
		},
		"no images list": {
			"resources:\n- a.yaml",
			"resources:\n- a.yaml\nimages:\n- name: ghcr.io/acme/app\n  newTag: \"1.10\"\n  digest: " + digest,
		},
		"empty images key": {
			"images: # none yet\nresources:\n- a.yaml\n",
			"images: # none yet\n- name: ghcr.io/acme/app\n  newTag: \"1.10\"\n  digest: " + digest + "\nresources:\n- a.yaml\n",
		},
		"empty flow list": {
			"images: []\n",
			"images: [{name: ghcr.io/acme/app, newTag: \"1.10\", digest: " + digest + "}]\n",
		},
		"CRLF line ends": {
			"images:\r\n- name: ghcr.io/acme/app\r\n  newTag: \"1\"\r\n",
			"images:\r\n- name: ghcr.io/acme/app\r\n  newTag: \"1.10\"\r\n  digest: " + digest + "\r\n",
		},
		"already there": {
			"images:\n- name: ghcr.io/acme/app\n  newTag: \"1.10\"\n  digest: " + digest + "\n",
			"images:\n- name: ghcr.io/acme/app\n  newTag: \"1.10\"\n  digest: " + digest + "\n",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, _, err := kustomize.SetImage([]byte(tc.src), img)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", out, tc.want)
			}
		})
	}
}

func TestSetImageDigestPin(t *testing.T) {
	src := "images:\n- name: ghcr.io/acme/app\n  newTag: 1.0.0\n"
	out, _, err := kustomize.SetImage([]byte(src), kustomize.Image{Name: img.Name, Digest: digest})
	if err != nil {
		t.Fatal(err)
	}
	if want := src + "  digest: " + digest + "\n"; string(out) != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
}

func TestSetImageFailures(t *testing.T) {
	tests := map[string]struct {
		src, msg string
	}{
		"not YAML":           {"images: [\n", "not valid YAML"},
		"two documents":      {"a: 1\n---\nb: 2\n", "more than one YAML document"},
		"not a mapping":      {"- a\n", "not a mapping"},
		"empty file":         {"", "not a mapping"},
		"images not a list":  {"images: nginx\n", "images (line 1) is not a list"},
		"entry not mapping":  {"images:\n- nginx\n", "images[0] (line 2) is not a mapping"},
		"tag not a scalar":   {"images:\n- name: ghcr.io/acme/app\n  newTag: [1]\n", "newTag (line 3) is not a scalar"},
		"anchored tag":       {"images:\n- name: ghcr.io/acme/app\n  newTag: &t v1\n", "anchor"},
		"multi-line flow":    {"images: [{name: a,\n  newTag: b}\n]\n", "written in a form"},
		"block scalar value": {"images:\n- name: ghcr.io/acme/app\n  newTag: |\n    v1\n", "block scalar"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, _, err := kustomize.SetImage([]byte(tc.src), img)
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error %v; want %q", err, tc.msg)
			}
			if errors.Is(err, yamledit.ErrNotFound) {
				t.Errorf("a kustomization that can be read is never 'not found': %v", err)
			}
		})
	}
}
