package v1alpha1

// WriteBack says where changes of status.current are recorded.
type WriteBack struct {
	// Git commits each change into a Git repository.
	// +required
	Git GitWriteBack `json:"git"`
}

// GitWriteBack is a Git repository whose marker comments and targets
// imagepin updates.
// +kubebuilder:validation:XValidation:rule="!has(self.pushBranch) || !has(self.branch) || self.pushBranch != self.branch",message="pushBranch must differ from branch (leave it empty to push to branch)"
type GitWriteBack struct {
	// URL of the repository: https://, http://, ssh:// or user@host:path.
	// It holds no credentials (no user:password@ or token@ in an HTTP URL,
	// no password in an SSH URL): they belong in the Secret of secretRef.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.matches('^(https?|ssh)://[^/]+') || self.matches('^[A-Za-z0-9._-]+@[^:/]+:.+')",message="must be an https://, http://, ssh:// or user@host:path Git URL"
	// +kubebuilder:validation:XValidation:rule="!self.matches('^https?://[^/?#]*@') && !self.matches('^ssh://[^/?#@]*:[^/?#@]*@')",message="must not contain credentials (user:password@ or token@): put them in the Secret named by secretRef"
	URL string `json:"url"`

	// Branch that is checked out, committed to and pushed.
	// +optional
	// +kubebuilder:default=main
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	Branch string `json:"branch,omitempty"`

	// Path is a file or directory, relative to the repository root, searched
	// for marker comments. Empty means the whole repository, unless targets
	// are set: then markers are searched only when path is set.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:XValidation:rule="!self.startsWith('/') && !self.matches('(^|/)[.][.](/|$)')",message="must be a relative path inside the repository (no leading '/', no '..')"
	Path string `json:"path,omitempty"`

	// SecretRef names a Secret in the policy's namespace with the Git
	// credentials: username and password (or a token as password) for
	// HTTPS, or identity and known_hosts for SSH.
	// +optional
	SecretRef *LocalObjectReference `json:"secretRef,omitempty"`

	// Insecure allows sending the credentials of secretRef (a password or
	// token) over a plain http:// URL, where anyone on the network path can
	// read them. Without it, an http:// URL works only without credentials:
	// write-back refuses with WrittenBack=False, reason CredentialsOverHTTP.
	// It does not concern spec.insecure, which is about the registry.
	// +optional
	Insecure bool `json:"insecure,omitempty"`

	// Author of the commits. Defaults to imagepin <imagepin@imagepin.dev>.
	// +optional
	Author *CommitAuthor `json:"author,omitempty"`

	// PushBranch, when set, receives the commits instead of branch, for
	// review by pull request: it is created from branch when missing, and
	// later changes are committed on top of it. When branch has moved ahead
	// and PushBranch holds only imagepin's commits, it is made again from
	// branch (a push with lease); a branch with commits of others is never
	// rewritten.
	// +optional
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:Pattern=`^[^\s~^:?*\[\\]*$`
	// +kubebuilder:validation:XValidation:rule="!self.matches('(^[./-]|[.][.]|@[{]|//|[./]$|[.]lock$)')",message="must be a valid Git branch name"
	PushBranch string `json:"pushBranch,omitempty"`

	// Targets are files rewritten without markers, in the same commit as
	// the markers under path: a kustomization's images, keys of a Helm
	// values file, or an Argo CD parameter-override file.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	Targets []WriteBackTarget `json:"targets,omitempty"`

	// MessageTemplate is a Go text/template for the commit message. Empty
	// uses a message that names the policy, the old and new image, and why.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	MessageTemplate string `json:"messageTemplate,omitempty"`
}

// CommitAuthor is the author of write-back commits.
type CommitAuthor struct {
	// Name of the author.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Name string `json:"name"`

	// Email of the author.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Email string `json:"email"`
}

// WriteBackTarget is one file rewritten without markers. Exactly one of
// its fields is set.
// +kubebuilder:validation:XValidation:rule="[has(self.kustomization), has(self.helmValues), has(self.argoCD)].filter(x, x).size() == 1",message="set exactly one of kustomization, helmValues or argoCD"
type WriteBackTarget struct {
	// Kustomization sets newTag and digest of the policy's entry in the
	// images list of a kustomization.
	// +optional
	Kustomization *KustomizationTarget `json:"kustomization,omitempty"`

	// HelmValues sets keys of a Helm values file.
	// +optional
	HelmValues *HelmValuesTarget `json:"helmValues,omitempty"`

	// ArgoCD writes an Argo CD parameter-override file,
	// <path>/.argocd-source-<application>.yaml.
	// +optional
	ArgoCD *ArgoCDTarget `json:"argoCD,omitempty"`
}

// KustomizationTarget is the directory of a kustomization.yaml (or
// kustomization.yml, Kustomization). The images entry whose name or
// newName is spec.image gets newTag and digest; a missing entry is added.
type KustomizationTarget struct {
	// Path of the directory, relative to the repository root ("." for the
	// root).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:XValidation:rule="!self.startsWith('/') && !self.matches('(^|/)[.][.](/|$)')",message="must be a relative path inside the repository (no leading '/', no '..')"
	Path string `json:"path"`
}

// HelmValuesTarget names keys of a Helm values file by dotted paths
// (image.tag); only those scalars change. At least one key is set.
// +kubebuilder:validation:XValidation:rule="has(self.tag) || has(self.repository) || has(self.digest)",message="set at least one of tag, repository or digest"
type HelmValuesTarget struct {
	// File is the values file, relative to the repository root.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:XValidation:rule="!self.startsWith('/') && !self.matches('(^|/)[.][.](/|$)') && !self.endsWith('/')",message="must be a relative file path inside the repository (no leading '/', no '..')"
	File string `json:"file"`

	// Tag is the key that gets the tag, such as image.tag.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^[^.\s]+(\.[^.\s]+)*$`
	Tag string `json:"tag,omitempty"`

	// Repository is the key that gets spec.image, such as image.repository.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^[^.\s]+(\.[^.\s]+)*$`
	Repository string `json:"repository,omitempty"`

	// Digest is the key that gets the digest (sha256:…), such as
	// image.digest.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^[^.\s]+(\.[^.\s]+)*$`
	Digest string `json:"digest,omitempty"`
}

// ArgoCDSource is the kind of an Argo CD application's source.
// +kubebuilder:validation:Enum=Kustomize;Helm
type ArgoCDSource string

// Kinds of Argo CD sources.
const (
	// ArgoCDKustomize writes kustomize.images.
	ArgoCDKustomize ArgoCDSource = "Kustomize"
	// ArgoCDHelm writes helm.parameters.
	ArgoCDHelm ArgoCDSource = "Helm"
)

// ArgoCDTarget is the parameter-override file that Argo CD reads beside an
// application's source, <path>/.argocd-source-<application>.yaml, as Argo
// CD Image Updater writes it. It is created when missing.
// +kubebuilder:validation:XValidation:rule="!has(self.helm) || self.source == 'Helm'",message="helm names Helm parameters: set it with source Helm only"
type ArgoCDTarget struct {
	// Application is the name of the Argo CD Application.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9._]*[a-z0-9])?$`
	Application string `json:"application"`

	// Path is the application's source path, relative to the repository
	// root ("." for the root). It must exist.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:XValidation:rule="!self.startsWith('/') && !self.matches('(^|/)[.][.](/|$)')",message="must be a relative path inside the repository (no leading '/', no '..')"
	Path string `json:"path"`

	// Source is Kustomize (kustomize.images) or Helm (helm.parameters).
	// +required
	Source ArgoCDSource `json:"source"`

	// Helm names the Helm parameters written for source Helm.
	// +optional
	Helm *ArgoCDHelmParameters `json:"helm,omitempty"`
}

// ArgoCDHelmParameters are the names of the Helm parameters that get the
// image, as `helm --set` names them.
type ArgoCDHelmParameters struct {
	// Repository gets spec.image; image.repository when empty.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^[^\s=,]+$`
	Repository string `json:"repository,omitempty"`

	// Tag gets the tag; image.tag when empty.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^[^\s=,]+$`
	Tag string `json:"tag,omitempty"`

	// Digest gets the digest; not written when empty.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^[^\s=,]+$`
	Digest string `json:"digest,omitempty"`
}
