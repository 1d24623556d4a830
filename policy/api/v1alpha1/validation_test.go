package v1alpha1_test

import (
	"fmt"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

type mod = func(*v1alpha1.ImagePolicy)

// TestInvalidSpecsRejected applies broken policies to the real API server:
// each is refused with a message that names the field, and nothing is stored.
// "cel" cases are judged by the CRD's schema, "webhook" ones by the validator.
func TestInvalidSpecsRejected(t *testing.T) {
	ns := namespace(t)
	tests := map[string]struct {
		mod       mod
		by        string
		wantField string
		wantMsg   string
	}{
		"two strategies": {by: "cel", wantField: "spec.select", wantMsg: "set exactly one of semver, alphabetical, numerical or tag",
			mod: func(p *v1alpha1.ImagePolicy) { p.Spec.Select.Numerical = &v1alpha1.OrderSelection{} }},
		"no strategy": {by: "cel", wantField: "spec.select", wantMsg: "set exactly one of semver, alphabetical, numerical or tag",
			mod: func(p *v1alpha1.ImagePolicy) { p.Spec.Select = v1alpha1.TagSelection{} }},
		"image with tag": {by: "cel", wantField: "spec.image", wantMsg: "must be a repository without a tag",
			mod: func(p *v1alpha1.ImagePolicy) { p.Spec.Image = "nginx:1.27" }},
		"image with registry port and tag": {by: "cel", wantField: "spec.image", wantMsg: "must be a repository without a tag",
			mod: func(p *v1alpha1.ImagePolicy) { p.Spec.Image = "127.0.0.1:5000/app:v1" }},
		"image with digest": {by: "cel", wantField: "spec.image", wantMsg: "must be a repository without a digest",
			mod: func(p *v1alpha1.ImagePolicy) { p.Spec.Image = "nginx@sha256:" + strings.Repeat("a", 64) }},
		"empty image": {by: "cel", wantField: "spec.image", wantMsg: "should be at least 1 chars long",
			mod: func(p *v1alpha1.ImagePolicy) { p.Spec.Image = "" }},
		"pin with tag and digest": {by: "cel", wantField: "spec.pin", wantMsg: "set exactly one of tag or digest",
			mod: func(p *v1alpha1.ImagePolicy) {
				p.Spec.Pin = &v1alpha1.Pin{Tag: "6.5.3", Digest: "sha256:" + strings.Repeat("a", 64)}
			}},
		"empty pin": {by: "cel", wantField: "spec.pin", wantMsg: "set exactly one of tag or digest",
			mod: func(p *v1alpha1.ImagePolicy) { p.Spec.Pin = &v1alpha1.Pin{} }},
		"short pin digest": {by: "cel", wantField: "spec.pin.digest", wantMsg: "must be 'sha256:' followed by 64 lowercase hex digits",
			mod: func(p *v1alpha1.ImagePolicy) { p.Spec.Pin = &v1alpha1.Pin{Digest: "sha256:abc"} }},
		"pin tag starting with a dot": {by: "cel", wantField: "spec.pin.tag", wantMsg: "must be a valid image tag",
			mod: func(p *v1alpha1.ImagePolicy) { p.Spec.Pin = &v1alpha1.Pin{Tag: ".hidden"} }},
		"empty secret name": {by: "cel", wantField: "spec.secretRef.name", wantMsg: "should be at least 1 chars long",
			mod: func(p *v1alpha1.ImagePolicy) { p.Spec.SecretRef = &v1alpha1.LocalObjectReference{} }},
		"unknown order": {by: "cel", wantField: "spec.select.alphabetical.order", wantMsg: `Unsupported value: "newest"`,
			mod: func(p *v1alpha1.ImagePolicy) {
				p.Spec.Select = v1alpha1.TagSelection{Alphabetical: &v1alpha1.OrderSelection{Order: "newest"}}
			}},
		"extract without pattern": {by: "cel", wantField: "spec.filterTags.extract", wantMsg: "extract needs pattern",
			mod: func(p *v1alpha1.ImagePolicy) { p.Spec.FilterTags = &v1alpha1.TagFilter{Extract: "$ts"} }},
		"platform without os": {by: "cel", wantField: "spec.platform", wantMsg: "must be os/arch or os/arch/variant",
			mod: func(p *v1alpha1.ImagePolicy) { p.Spec.Platform = "arm64" }},
		"ftp git url": {by: "cel", wantField: "spec.writeBack.git.url", wantMsg: "must be an https://, http://, ssh:// or user@host:path Git URL",
			mod: func(p *v1alpha1.ImagePolicy) { p.Spec.WriteBack = gitWriteBack("ftp://git.example.com/x.git", "") }},
		"git url with a password": {by: "cel", wantField: "spec.writeBack.git.url", wantMsg: "must not contain credentials",
			mod: func(p *v1alpha1.ImagePolicy) {
				p.Spec.WriteBack = gitWriteBack("https://imagepin:s3cret@git.example.com/x.git", "")
			}},
		"git url with a token as user": {by: "cel", wantField: "spec.writeBack.git.url", wantMsg: "must not contain credentials",
			mod: func(p *v1alpha1.ImagePolicy) {
				p.Spec.WriteBack = gitWriteBack("http://ghp_0123456789abcdef@git.example.com/x.git", "")
			}},
		"ssh git url with a password": {by: "cel", wantField: "spec.writeBack.git.url", wantMsg: "must not contain credentials",
			mod: func(p *v1alpha1.ImagePolicy) {
				p.Spec.WriteBack = gitWriteBack("ssh://git:s3cret@git.example.com:2222/x.git", "")
			}},
		"git path escaping the repository": {by: "cel", wantField: "spec.writeBack.git.path", wantMsg: "must be a relative path inside the repository",
			mod: func(p *v1alpha1.ImagePolicy) {
				p.Spec.WriteBack = gitWriteBack("https://git.example.com/x.git", "apps/../../etc")
			}},
		"target with two kinds": {by: "cel", wantField: "spec.writeBack.git.targets[0]", wantMsg: "set exactly one of kustomization, helmValues or argoCD",
			mod: withTargets(v1alpha1.WriteBackTarget{Kustomization: &v1alpha1.KustomizationTarget{Path: "apps"},
				HelmValues: &v1alpha1.HelmValuesTarget{File: "values.yaml", Tag: "image.tag"}})},
		"empty target": {by: "cel", wantField: "spec.writeBack.git.targets[0]", wantMsg: "set exactly one of kustomization, helmValues or argoCD",
			mod: withTargets(v1alpha1.WriteBackTarget{})},
		"kustomization escaping the repository": {by: "cel", wantField: "spec.writeBack.git.targets[0].kustomization.path", wantMsg: "must be a relative path inside the repository",
			mod: withTargets(v1alpha1.WriteBackTarget{Kustomization: &v1alpha1.KustomizationTarget{Path: "../other"}})},
		"helm values without keys": {by: "cel", wantField: "spec.writeBack.git.targets[0].helmValues", wantMsg: "set at least one of tag, repository or digest",
			mod: withTargets(v1alpha1.WriteBackTarget{HelmValues: &v1alpha1.HelmValuesTarget{File: "values.yaml"}})},
		"helm values key with a space": {by: "cel", wantField: "spec.writeBack.git.targets[0].helmValues.tag", wantMsg: "should match",
			mod: withTargets(v1alpha1.WriteBackTarget{HelmValues: &v1alpha1.HelmValuesTarget{File: "values.yaml", Tag: "image. tag"}})},
		"helm values key with an empty segment": {by: "cel", wantField: "spec.writeBack.git.targets[0].helmValues.digest", wantMsg: "should match",
			mod: withTargets(v1alpha1.WriteBackTarget{HelmValues: &v1alpha1.HelmValuesTarget{File: "values.yaml", Digest: "image..digest"}})},
		"helm values file at an absolute path": {by: "cel", wantField: "spec.writeBack.git.targets[0].helmValues.file", wantMsg: "must be a relative file path",
			mod: withTargets(v1alpha1.WriteBackTarget{HelmValues: &v1alpha1.HelmValuesTarget{File: "/etc/values.yaml", Tag: "image.tag"}})},
		"argo cd source unknown": {by: "cel", wantField: "spec.writeBack.git.targets[0].argoCD.source", wantMsg: `Unsupported value: "Jsonnet"`,
			mod: withTargets(v1alpha1.WriteBackTarget{ArgoCD: &v1alpha1.ArgoCDTarget{Application: "app", Path: "apps", Source: "Jsonnet"}})},
		"argo cd helm names for kustomize": {by: "cel", wantField: "spec.writeBack.git.targets[0].argoCD", wantMsg: "helm names Helm parameters",
			mod: withTargets(v1alpha1.WriteBackTarget{ArgoCD: &v1alpha1.ArgoCDTarget{Application: "app", Path: "apps", Source: v1alpha1.ArgoCDKustomize,
				Helm: &v1alpha1.ArgoCDHelmParameters{Tag: "image.tag"}}})},
		"argo cd application with a slash": {by: "cel", wantField: "spec.writeBack.git.targets[0].argoCD.application", wantMsg: "should match",
			mod: withTargets(v1alpha1.WriteBackTarget{ArgoCD: &v1alpha1.ArgoCDTarget{Application: "../app", Path: "apps", Source: v1alpha1.ArgoCDHelm}})},
		"push branch equal to branch": {by: "cel", wantField: "spec.writeBack.git", wantMsg: "pushBranch must differ from branch",
			mod: func(p *v1alpha1.ImagePolicy) {
				p.Spec.WriteBack = gitWriteBack("https://git.example.com/x.git", "")
				p.Spec.WriteBack.Git.Branch, p.Spec.WriteBack.Git.PushBranch = "main", "main"
			}},
		"push branch with ..": {by: "cel", wantField: "spec.writeBack.git.pushBranch", wantMsg: "must be a valid Git branch name",
			mod: func(p *v1alpha1.ImagePolicy) {
				p.Spec.WriteBack = gitWriteBack("https://git.example.com/x.git", "")
				p.Spec.WriteBack.Git.PushBranch = "imagepin/..x"
			}},
		"push branch with a colon": {by: "cel", wantField: "spec.writeBack.git.pushBranch", wantMsg: "should match",
			mod: func(p *v1alpha1.ImagePolicy) {
				p.Spec.WriteBack = gitWriteBack("https://git.example.com/x.git", "")
				p.Spec.WriteBack.Git.PushBranch = "base:target"
			}},
		"bad semver range": {by: "webhook", wantField: "spec.select.semver.range", wantMsg: "must be a semver constraint",
			mod: func(p *v1alpha1.ImagePolicy) { p.Spec.Select.SemVer.Range = "newest please" }},
		"bad pattern": {by: "webhook", wantField: "spec.filterTags.pattern", wantMsg: "must be a Go regular expression",
			mod: func(p *v1alpha1.ImagePolicy) {
				p.Spec.FilterTags = &v1alpha1.TagFilter{Pattern: "^main-(?P<ts>[0-9]+$"}
			}},
		"extract names a missing group": {by: "webhook", wantField: "spec.filterTags.extract", wantMsg: `names group "ts"`,
			mod: func(p *v1alpha1.ImagePolicy) {
				p.Spec.FilterTags = &v1alpha1.TagFilter{Pattern: "^main-(?P<build>[0-9]+)$", Extract: "$ts"}
			}},
		"bad exclude": {by: "webhook", wantField: "spec.filterTags.exclude[1]", wantMsg: "must be a Go regular expression",
			mod: func(p *v1alpha1.ImagePolicy) {
				p.Spec.FilterTags = &v1alpha1.TagFilter{Exclude: []string{`\.sig$`, `+sbom`}}
			}},
		"bad cron": {by: "webhook", wantField: "spec.schedule", wantMsg: "must be a 5-field cron expression",
			mod: func(p *v1alpha1.ImagePolicy) { p.Spec.Schedule = "every five minutes" }},
		"six-field cron": {by: "webhook", wantField: "spec.schedule", wantMsg: "expected exactly 5 fields",
			mod: func(p *v1alpha1.ImagePolicy) { p.Spec.Schedule = "0 */5 * * * *" }},
		"uppercase repository": {by: "webhook", wantField: "spec.image", wantMsg: "repository can only contain",
			mod: func(p *v1alpha1.ImagePolicy) { p.Spec.Image = "ghcr.io/Stefan/podinfo" }},
		"bad message template": {by: "webhook", wantField: "spec.writeBack.git.messageTemplate", wantMsg: "must be a Go text/template",
			mod: func(p *v1alpha1.ImagePolicy) {
				p.Spec.WriteBack = gitWriteBack("https://git.example.com/x.git", "")
				p.Spec.WriteBack.Git.MessageTemplate = "bump {{ .Policy"
			}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := policy(ns, "bad-"+strings.ReplaceAll(name, " ", "-"), tc.mod)
			err := cl.Create(t.Context(), p)
			assertInvalid(t, err, tc.wantField, tc.wantMsg)
			if tc.by == "webhook" && !strings.Contains(err.Error(), "admission webhook") {
				t.Errorf("error %q does not come from the validating webhook", err)
			}
			if tc.by == "cel" && strings.Contains(err.Error(), "admission webhook") {
				t.Errorf("error %q comes from the webhook, want the CRD schema", err)
			}
			if err := cl.Get(t.Context(), client.ObjectKeyFromObject(p), &v1alpha1.ImagePolicy{}); !apierrors.IsNotFound(err) {
				t.Errorf("rejected policy stored: Get = %v, want NotFound", err)
			}
		})
	}
}

// TestGitURLsAccepted: the rule against credentials in URLs leaves the
// user names of SSH URLs and an '@' in a path alone.
func TestGitURLsAccepted(t *testing.T) {
	ns := namespace(t)
	for i, url := range []string{
		"https://git.example.com/org/x.git",
		"https://git.example.com/~team/config@2024.git",
		"http://127.0.0.1:3000/x.git",
		"ssh://git@git.example.com:2222/org/x.git",
		"git@github.com:org/x.git",
	} {
		p := policy(ns, fmt.Sprintf("url-%d", i), func(p *v1alpha1.ImagePolicy) { p.Spec.WriteBack = gitWriteBack(url, "") })
		if err := cl.Create(t.Context(), p); err != nil {
			t.Errorf("%s rejected: %v", url, err)
		}
	}
}

// TestInvalidUpdateRejected checks that a bad edit of a good policy is
// refused and the stored policy keeps its spec.
func TestInvalidUpdateRejected(t *testing.T) {
	ns := namespace(t)
	p := policy(ns, "podinfo")
	if err := cl.Create(t.Context(), p); err != nil {
		t.Fatalf("create: %v", err)
	}
	p.Spec.Select.SemVer.Range = ">= banana"
	assertInvalid(t, cl.Update(t.Context(), p), "spec.select.semver.range", "must be a semver constraint")

	var stored v1alpha1.ImagePolicy
	if err := cl.Get(t.Context(), client.ObjectKeyFromObject(p), &stored); err != nil {
		t.Fatal(err)
	}
	if got := stored.Spec.Select.SemVer.Range; got != ">=6.0.0 <7.0.0" {
		t.Errorf("stored range = %q after a rejected update, want the old one", got)
	}
	stored.Labels = map[string]string{"team": "web"}
	if err := cl.Update(t.Context(), &stored); err != nil {
		t.Errorf("label-only update rejected: %v", err)
	}
}

func assertInvalid(t *testing.T, err error, wantField, wantMsg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want rejection on %s", wantField)
	}
	if !apierrors.IsInvalid(err) {
		t.Errorf("error %q is not Invalid (422)", err)
	}
	if msg := err.Error(); !strings.Contains(msg, wantField+":") || !strings.Contains(msg, wantMsg) {
		t.Errorf("error = %q\nwant field %q and message %q", msg, wantField, wantMsg)
	}
}

func gitWriteBack(url, path string) *v1alpha1.WriteBack {
	return &v1alpha1.WriteBack{Git: v1alpha1.GitWriteBack{URL: url, Path: path}}
}

func withTargets(targets ...v1alpha1.WriteBackTarget) mod {
	return func(p *v1alpha1.ImagePolicy) {
		p.Spec.WriteBack = gitWriteBack("https://git.example.com/x.git", "")
		p.Spec.WriteBack.Git.Targets = targets
	}
}
