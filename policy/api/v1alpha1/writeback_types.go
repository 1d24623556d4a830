package v1alpha1

// WriteBack says where changes of status.current are recorded.
type WriteBack struct {
	// Git commits each change into a Git repository.
	// +required
	Git GitWriteBack `json:"git"`
}

// GitWriteBack is a Git repository whose marker comments imagepin updates.
type GitWriteBack struct {
	// URL of the repository: https://, http://, ssh:// or user@host:path.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.matches('^(https?|ssh)://[^/]+') || self.matches('^[A-Za-z0-9._-]+@[^:/]+:.+')",message="must be an https://, http://, ssh:// or user@host:path Git URL"
	URL string `json:"url"`

	// Branch that is checked out, committed to and pushed.
	// +optional
	// +kubebuilder:default=main
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	Branch string `json:"branch,omitempty"`

	// Path is a file or directory, relative to the repository root, searched
	// for marker comments. Empty means the whole repository.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:XValidation:rule="!self.startsWith('/') && !self.matches('(^|/)[.][.](/|$)')",message="must be a relative path inside the repository (no leading '/', no '..')"
	Path string `json:"path,omitempty"`

	// SecretRef names a Secret in the policy's namespace with the Git
	// credentials: username and password (or a token as password) for
	// HTTPS, or identity and known_hosts for SSH.
	// +optional
	SecretRef *LocalObjectReference `json:"secretRef,omitempty"`

	// Author of the commits. Defaults to imagepin <imagepin@imagepin.dev>.
	// +optional
	Author *CommitAuthor `json:"author,omitempty"`

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
