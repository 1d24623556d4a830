package writeback

import (
	"errors"
	"fmt"
	"path"

	"github.com/imagepin/imagepin/internal/truncate"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/writeback/argocd"
	"github.com/imagepin/imagepin/policy/writeback/helmvalues"
	"github.com/imagepin/imagepin/policy/writeback/kustomize"
	"github.com/imagepin/imagepin/policy/writeback/yamledit"
)

// targetError is a target that cannot be written: the policy's whole
// change is left out of the commit.
type targetError struct {
	reason, msg string
}

func (e *targetError) Error() string { return e.msg }

// wantsMarkers reports whether the markers under the policy's path are
// written: always without targets; with targets, when path is set.
func (e *entry) wantsMarkers() bool {
	git := e.policy.Spec.WriteBack.Git
	return len(git.Targets) == 0 || git.Path != ""
}

// targetPaths are the files the policy's targets read (or may create).
func (e *entry) targetPaths() []string {
	var paths []string
	for _, t := range e.policy.Spec.WriteBack.Git.Targets {
		switch {
		case t.Kustomization != nil:
			for _, name := range kustomize.FileNames() {
				paths = append(paths, path.Join(cleanPath(t.Kustomization.Path), name))
			}
		case t.HelmValues != nil:
			paths = append(paths, cleanPath(t.HelmValues.File))
		case t.ArgoCD != nil:
			paths = append(paths, argoCDFile(t.ArgoCD))
		}
	}
	return paths
}

func argoCDFile(t *v1alpha1.ArgoCDTarget) string {
	return path.Join(cleanPath(t.Path), argocd.FileName(t.Application))
}

// applyTargets writes every target of the policy into w, and records the
// files it changed; on the first failure it returns why.
func (e *entry) applyTargets(w work) *targetError {
	for i, t := range e.policy.Spec.WriteBack.Git.Targets {
		field := fmt.Sprintf("spec.writeBack.git.targets[%d]", i)
		var file string
		var err error
		switch {
		case t.Kustomization != nil:
			file, err = e.kustomization(w, t.Kustomization)
			field += ".kustomization"
		case t.HelmValues != nil:
			file, err = e.helmValues(w, t.HelmValues)
			field += ".helmValues"
		case t.ArgoCD != nil:
			file, err = e.argoCD(w, t.ArgoCD)
			field += ".argoCD"
		}
		if err != nil {
			return targetFailure(field, err)
		}
		if file != "" {
			e.addFile(file)
		}
	}
	return nil
}

// targetFailure names the reason of a target's error: TargetNotFound for
// what does not exist, TargetInvalid for everything else.
func targetFailure(field string, err error) *targetError {
	reason := v1alpha1.ReasonTargetInvalid
	if errors.Is(err, yamledit.ErrNotFound) {
		reason = v1alpha1.ReasonTargetNotFound
	}
	// The error may quote the file, which comes from the Git server.
	return &targetError{reason: reason, msg: field + ": " + truncate.Message(err.Error())}
}

func (e *entry) kustomization(w work, t *v1alpha1.KustomizationTarget) (string, error) {
	dir := cleanPath(t.Path)
	for _, name := range kustomize.FileNames() {
		file := path.Join(dir, name)
		if f := w[file]; f != nil && !f.missing {
			img := kustomize.Image{Name: e.image.Name, Tag: e.image.Tag, Digest: e.image.Digest}
			out, _, err := kustomize.SetImage(f.content, img)
			return w.set(file, out, err)
		}
	}
	return "", fmt.Errorf("no kustomization.yaml, kustomization.yml or Kustomization in %s: %w", pathName(dir), yamledit.ErrNotFound)
}

func (e *entry) helmValues(w work, t *v1alpha1.HelmValuesTarget) (string, error) {
	file := cleanPath(t.File)
	f := w[file]
	if f == nil || f.missing {
		return "", fmt.Errorf("%s: %w", file, yamledit.ErrNotFound)
	}
	keys := helmvalues.Keys{Repository: t.Repository, Tag: t.Tag, Digest: t.Digest}
	img := helmvalues.Image{Repository: e.image.Name, Tag: e.image.Tag, Digest: e.image.Digest}
	out, _, err := helmvalues.Set(f.content, keys, img)
	return w.set(file, out, err)
}

func (e *entry) argoCD(w work, t *v1alpha1.ArgoCDTarget) (string, error) {
	file := argoCDFile(t)
	f := w[file]
	if f == nil {
		return "", fmt.Errorf("folder %s: %w", pathName(cleanPath(t.Path)), yamledit.ErrNotFound)
	}
	img := argocd.Image{Repository: e.image.Name, Tag: e.image.Tag, Digest: e.image.Digest}
	var out []byte
	var err error
	if t.Source == v1alpha1.ArgoCDHelm {
		var names argocd.HelmNames
		if t.Helm != nil {
			names = argocd.HelmNames{Repository: t.Helm.Repository, Tag: t.Helm.Tag, Digest: t.Helm.Digest}
		}
		out, err = argocd.SetHelmParameters(f.content, names, img)
	} else {
		out, err = argocd.SetKustomizeImage(f.content, img)
	}
	return w.set(file, out, err)
}
