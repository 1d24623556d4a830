// Package argocd writes the parameter-override file that Argo CD reads
// beside an application's source, <path>/.argocd-source-<app>.yaml, for
// Git write-back targets of kind argoCD.
//
// Argo CD's repo server applies that file as a JSON merge patch to the
// application's source before it renders manifests: kustomize.images
// entries ([old=]repository[:tag][@digest]) become `kustomize edit set
// image` arguments, helm.parameters entries ({name, value, forcestring})
// become --set-string values. Argo CD Image Updater writes the same file;
// this package writes what it writes, and keeps what others wrote: other
// keys, other images and parameters, so that several policies (or tools)
// share one file. The file belongs to tools, so it is re-encoded (comments
// and key order kept, layout normalised to two-space YAML) rather than
// edited in place.
package argocd
